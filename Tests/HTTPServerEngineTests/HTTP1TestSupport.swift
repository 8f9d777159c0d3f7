import Foundation
import LecternTestSupport
import Logging
import Testing

@testable import HTTPServerEngine

#if canImport(Glibc)
import Glibc
#endif

/// What the echo handler saw, as JSON: tests compare what they sent with what the application received.
struct EchoedRequest: Codable {
    var method: String
    var path: String
    var query: [String: String]
    var headers: [String: String]
    var body: String
    var clientAddress: String?
}

/// An `HTTP1Server` on a free loopback port with a handler of the test's choosing (the echo by default).
struct EngineHarness {
    let server: HTTP1Server
    let port: UInt16
    let running: Task<Void, any Error>

    static let echo: HTTP1Server.Handler = { request in
        .json(
            EchoedRequest(
                method: request.method,
                path: request.path,
                query: request.query,
                headers: request.headers,
                body: String(decoding: request.body, as: UTF8.self),
                clientAddress: request.clientAddress
            )
        )
    }

    static func start(
        _ configure: (inout HTTP1Server.Configuration) -> Void = { _ in },
        handler: @escaping HTTP1Server.Handler = echo
    ) async throws -> EngineHarness {
        var configuration = HTTP1Server.Configuration()
        configure(&configuration)
        let server = HTTP1Server(
            host: "127.0.0.1",
            port: 0,
            configuration: configuration,
            logger: Logger(label: "test"),
            handler: handler
        )
        let running = Task { try await server.run() }
        try await server.waitUntilListening(timeout: .seconds(30))
        return EngineHarness(server: server, port: try #require(server.port), running: running)
    }

    func stop() async {
        await server.stop(timeout: .seconds(5))
        running.cancel()
    }

    /// Runs `body` on a thread with a fresh connection, then stops the server.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (RawSocket) throws -> T) async throws -> T {
        let port = port
        do {
            let result = try await RawSocket.onThread { try body(RawSocket(port: port)) }
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}

extension RawSocket.Response {
    var echoed: EchoedRequest? { try? JSONDecoder().decode(EchoedRequest.self, from: body) }
}
