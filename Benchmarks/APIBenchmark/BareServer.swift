import FlyingFox
import FlyingSocks
import Foundation
import HTTPServerEngine

/// The server's own ceiling: FlyingFox with the same TCP_NODELAY socket pool lectern-api uses, answering every
/// request (after reading its body, as the API does) with a constant: the bytes lectern-api answered.
struct ConstantHandler: HTTPHandler {
    let body: Data

    func handleRequest(_ request: FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse {
        _ = try await request.bodyData
        return HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json"], body: body)
    }
}

func startBareServer(getBody: Data, postBody: Data) async throws -> (HTTPServer, UInt16, Task<Void, any Error>) {
    let config = HTTPServer.Configuration(
        address: try sockaddr_in.inet(ip4: "127.0.0.1", port: 0),
        timeout: 120,
        pool: NoDelaySocketPool(HTTPServer.defaultPool()),
        logger: .disabled
    )
    let server = HTTPServer(config: config)
    await server.appendRoute("GET /v1/lectures/:id", to: ConstantHandler(body: getBody))
    await server.appendRoute("POST /v1/lectures/:id/upload/parts", to: ConstantHandler(body: postBody))
    let task = Task { try await server.run() }
    try await server.waitUntilListening(timeout: 10)
    guard case .ip4(_, let port)? = await server.listeningAddress else {
        throw Wrk.Failure(description: "bare server has no port")
    }
    return (server, port, task)
}

/// The same constant answers on Lectern's own engine (`HTTP1Server`, what lectern-api runs): the ceiling of the
/// server lectern-api actually uses, with the application replaced by a constant.
func startBareEngine(getBody: Data, postBody: Data) async throws -> (HTTP1Server, UInt16, Task<Void, any Error>) {
    let get = APIResponse(status: 200, body: getBody, contentType: "application/json")
    let post = APIResponse(status: 200, body: postBody, contentType: "application/json")
    let server = HTTP1Server(host: "127.0.0.1", port: 0) { request in
        request.method == "GET" ? get : post
    }
    let task = Task { try await server.run() }
    try await server.waitUntilListening(timeout: .seconds(10))
    guard let port = server.port else { throw Wrk.Failure(description: "bare engine has no port") }
    return (server, port, task)
}
