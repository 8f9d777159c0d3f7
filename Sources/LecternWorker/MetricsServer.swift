import FlyingFox
import FlyingSocks
import Foundation

/// Serves `GET /metrics` (Prometheus text format) and `GET /health` (`{"status": …}`) on the given port of every
/// interface.
public struct MetricsServer: Sendable {
    public let server: HTTPServer

    struct Handler: HTTPHandler {
        let metrics: WorkerMetrics
        func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
            guard request.method == .GET else { return HTTPResponse(statusCode: .notFound) }
            if request.path == "/health" {
                // Always 200 while the process serves: a liveness answer that says what the worker is doing.
                return HTTPResponse(
                    statusCode: .ok,
                    headers: [.contentType: "application/json"],
                    body: Data(#"{"status":"\#(metrics.health.status.rawValue)"}"#.utf8)
                )
            }
            guard request.path == "/metrics" else { return HTTPResponse(statusCode: .notFound) }
            return HTTPResponse(
                statusCode: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: Data(metrics.exposition().utf8)
            )
        }
    }

    public init(port: UInt16, metrics: WorkerMetrics) {
        server = HTTPServer(
            address: sockaddr_in.inet(port: port),
            logger: .disabled,
            handler: Handler(metrics: metrics)
        )
    }

    /// Serves until cancelled or stopped.
    public func run() async throws { try await server.run() }

    public func stop() async { await server.stop() }

    /// The bound port (useful with port 0), once listening.
    public func listeningPort() async throws -> UInt16? {
        try await server.waitUntilListening()
        guard case .ip4(_, let port) = await server.listeningAddress else { return nil }
        return port
    }
}
