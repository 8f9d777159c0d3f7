import Foundation
import Logging
import ServiceLifecycle

/// Serves the API's Prometheus metrics on a listener of their own (`METRICS_PORT`, by default on loopback), as the
/// worker does, with the API's HTTP/1.1 engine and one event loop.
///
/// The API's port has no `/metrics`: a load balancer rule that hid `/metrics` and `/metrics/*` let `//metrics`,
/// `/./metrics` and `/x/../metrics` through (the router folds empty segments; the balancer matches text), so
/// whether metrics were public depended on two path normalisations agreeing. Here they are not reachable through
/// the API's port at all, whatever the path.
public final class MetricsListener: Service, Sendable {
    let server: HTTP1Server
    let logger: Logger

    /// `host` nil listens on every interface; port 0 picks a free one (see `port`).
    public init(metrics: APIMetrics, host: String?, port: UInt16, logger: Logger = Logger(label: "lectern-api")) {
        self.logger = logger
        var configuration = HTTP1Server.Configuration()
        configuration.eventLoops = 1
        configuration.maxBodyBytes = 1_024
        server = HTTP1Server(host: host, port: port, configuration: configuration, logger: logger) { request in
            Self.respond(to: request, metrics: metrics)
        }
    }

    static func respond(to request: APIRequest, metrics: APIMetrics) -> APIResponse {
        var response: APIResponse
        switch (request.method, request.path) {
        case ("GET", "/metrics"), ("HEAD", "/metrics"):
            response = .text(metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case ("GET", "/healthz"), ("HEAD", "/healthz"):
            response = .json(["status": "ok"])
        case (_, "/metrics"), (_, "/healthz"):
            response = APIProblem.methodNotAllowed(["GET", "HEAD"]).response()
        default:
            response = APIProblem.notFound("this listener serves only /metrics and /healthz").response()
        }
        if request.method == "HEAD" { response.body = Data() }
        return response
    }

    /// Serves until stopped; on SIGTERM stops with the API (`ServiceGroup` stops services in reverse order, so list
    /// this one first and it is scraped until the API has drained).
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: { [server] in
            server.beginStop(timeout: APIServer.shutdownGrace)
        }
    }

    public func waitUntilListening(timeout: Duration = .seconds(5)) async throws {
        try await server.waitUntilListening(timeout: timeout)
    }

    /// The bound port, once listening.
    public var port: UInt16? { server.port }

    public func stop() async { await server.stop(timeout: APIServer.stopGrace) }
}
