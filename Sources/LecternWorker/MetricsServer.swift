import Foundation
import HTTPServerEngine
import Logging

/// Serves `GET /metrics` (Prometheus text format) and `GET /health` (`{"status": …}`) on the given port of every IPv4
/// interface, on Lectern's own HTTP/1.1 engine (the API's): RFC 9112 parsing, problem+json refusals, limits and
/// timeouts. HEAD is answered as GET without the body; another method on those two paths is a 405 naming GET and HEAD,
/// any other path a 404, as the API's metrics listener answers.
public struct MetricsServer: Sendable {
    let server: HTTP1Server

    /// The engine's limits for a port that Prometheus and a health check read, not the public: requests carry no body
    /// worth the name, a scrape's head is a few hundred bytes, and a handful of connections is plenty (one or two
    /// scrapers, a health check, an operator's curl). One event loop: the answers are built in microseconds.
    static var configuration: HTTP1Server.Configuration {
        var configuration = HTTP1Server.Configuration()
        configuration.eventLoops = 1
        configuration.maxBodyBytes = 1_024
        configuration.maxHeadBytes = 8 * 1024
        configuration.maxHeaderFields = 50
        configuration.maxConnections = 32
        configuration.maxConnectionsPerClient = 16
        configuration.handlerTimeout = .seconds(10)
        configuration.headTimeout = .seconds(5)
        configuration.bodyTimeout = .seconds(5)
        configuration.sendTimeout = .seconds(10)
        return configuration
    }

    /// How long a stop lets a scrape in flight finish; idle keep-alive connections close at once.
    static let stopGrace: Duration = .seconds(2)

    /// Port 0 picks a free one (see `listeningPort()`).
    public init(port: UInt16, metrics: WorkerMetrics, logger: Logger = Logger(label: "lectern-worker")) {
        // 0.0.0.0, as the worker's metrics port has always been bound (FlyingFox's `sockaddr_in.inet(port:)`).
        server = HTTP1Server(host: "0.0.0.0", port: port, configuration: Self.configuration, logger: logger) {
            request in
            Self.respond(to: request, metrics: metrics)
        }
    }

    static func respond(to request: APIRequest, metrics: WorkerMetrics) -> APIResponse {
        var response: APIResponse
        switch (request.method, request.path) {
        case ("GET", "/metrics"), ("HEAD", "/metrics"):
            response = .text(metrics.exposition(), contentType: "text/plain; version=0.0.4")
        case ("GET", "/health"), ("HEAD", "/health"):
            // Always 200 while the process serves: a liveness answer that says what the worker is doing.
            response = .json(["status": metrics.health.status.rawValue])
        case (_, "/metrics"), (_, "/health"):
            response = APIProblem.methodNotAllowed(["GET", "HEAD"]).response()
        default:
            response = APIProblem.notFound("this port serves only /metrics and /health").response()
        }
        if request.method == "HEAD" { response.body = Data() }
        return response
    }

    /// Serves until stopped.
    public func run() async throws { try await server.run() }

    /// Stops accepting, closes idle connections at once and lets a scrape in flight finish (at most `stopGrace`);
    /// returns once `run()` has returned.
    public func stop() async { await server.stop(timeout: Self.stopGrace) }

    /// The bound port (useful with port 0), once listening; nil if the server could not listen (`run()` throws why).
    public func listeningPort() async throws -> UInt16? {
        try await server.waitUntilListening(timeout: .seconds(60))
        return server.port
    }
}
