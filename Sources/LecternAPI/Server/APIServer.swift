import FlyingFox
import FlyingSocks
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Serves an `APIApplication` over HTTP/1.1 with FlyingFox; a `Service`, so swift-service-lifecycle stops it
/// gracefully on SIGTERM (no new connections; requests in flight finish).
public final class APIServer: Service, Sendable {
    public let application: APIApplication
    let server: HTTPServer
    let logger: Logger
    private let stopping = Mutex(false)

    /// `host` nil listens on every interface; port 0 picks a free one (see `port`).
    public convenience init(application: APIApplication, host: String? = nil, port: UInt16, logger: Logger = Logger(label: "lectern-api")) throws {
        try self.init(application: application, host: host, port: port, logger: logger, disablingNagle: true)
    }

    /// `disablingNagle: false` is FlyingFox's stock socket pool: only for the test that shows why we do not use it.
    init(application: APIApplication, host: String?, port: UInt16, logger: Logger, disablingNagle: Bool) throws {
        self.application = application
        self.logger = logger
        let address: any SocketAddress = if let host { try sockaddr_in.inet(ip4: host, port: port) } else { sockaddr_in6.inet6(port: port) }
        let pool: any AsyncSocketPool = disablingNagle ? NoDelaySocketPool(HTTPServer.defaultPool()) : HTTPServer.defaultPool()
        let config = HTTPServer.Configuration(address: address, timeout: 120, pool: pool, logger: .disabled)
        server = HTTPServer(config: config, handler: FlyingFoxBridge(application: application))
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            do {
                try await server.run()
            } catch where stopping.withLock({ $0 }) {
                // Closing the listening socket ends FlyingFox's accept loop with an error: that is the stop we asked for.
            }
        } onGracefulShutdown: { [self] in
            logger.info("shutting down: finishing requests in flight")
            stopping.withLock { $0 = true }
            Task { await self.server.stop(timeout: 10) }
        }
    }

    public func waitUntilListening(timeout: TimeInterval = 5) async throws {
        try await server.waitUntilListening(timeout: timeout)
    }

    /// The bound port, once listening.
    public var port: UInt16? {
        get async {
            switch await server.listeningAddress {
            case .ip4(_, let port), .ip6(_, let port): port
            default: nil
            }
        }
    }

    public func stop() async {
        stopping.withLock { $0 = true }
        await server.stop(timeout: 5)
    }
}

/// Turns FlyingFox requests into `APIRequest`s (reading at most the body limit) and `APIResponse`s back.
struct FlyingFoxBridge: HTTPHandler {
    let application: APIApplication

    func handleRequest(_ request: FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse {
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
        let limit = application.config.maxBodyBytes
        var body = Data()
        if let length = headers["content-length"].flatMap(Int.init), length > limit {
            return Self.convert(APIProblem.payloadTooLarge("request bodies are limited to \(limit) bytes").response(instance: request.path))
        }
        for try await chunk in request.bodySequence {
            body.append(chunk)
            if body.count > limit {
                return Self.convert(APIProblem.payloadTooLarge("request bodies are limited to \(limit) bytes").response(instance: request.path))
            }
        }
        var query: [String: String] = [:]
        for item in request.query { query[item.name] = item.value }
        let apiRequest = APIRequest(method: request.method.rawValue, path: request.path, query: query, headers: headers, body: body)
        return Self.convert(await application.respond(to: apiRequest))
    }

    static func convert(_ response: APIResponse) -> FlyingFox.HTTPResponse {
        var headers = FlyingFox.HTTPHeaders()
        for (name, value) in response.headers { headers[FlyingFox.HTTPHeader(name)] = value }
        return FlyingFox.HTTPResponse(statusCode: HTTPStatusCode(response.status, phrase: Self.phrase(response.status)),
                                      headers: headers, body: response.body)
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 503: "Service Unavailable"
        default: status < 400 ? "OK" : "Error"
        }
    }
}
