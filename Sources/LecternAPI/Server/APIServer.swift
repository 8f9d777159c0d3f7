import Foundation
import Logging
import ServiceLifecycle

/// Serves an `APIApplication` over HTTP/1.1 with Lectern's own engine (`HTTP1Server`); a `Service`, so
/// swift-service-lifecycle stops it gracefully on SIGTERM (no new connections, idle keep-alive connections closed at
/// once, requests in flight finish). FlyingFox's `HTTPServer` is a row of the benchmarks (`Benchmarks/`), not a
/// runtime option.
public final class APIServer: Service, Sendable {
    public let application: APIApplication
    let server: HTTP1Server
    let logger: Logger

    /// How long SIGTERM waits for requests in flight, and `stop()`.
    static let shutdownGrace: Duration = .seconds(10)
    static let stopGrace: Duration = .seconds(5)

    /// `host` nil listens on every interface; port 0 picks a free one (see `port`).
    public convenience init(
        application: APIApplication,
        host: String? = nil,
        port: UInt16,
        logger: Logger = Logger(label: "lectern-api")
    ) throws {
        try self.init(application: application, host: host, port: port, logger: logger, disablingNagle: true)
    }

    /// `disablingNagle: false` leaves Nagle on: only for the test that shows why we do not.
    convenience init(
        application: APIApplication,
        host: String?,
        port: UInt16,
        logger: Logger,
        disablingNagle: Bool
    ) throws {
        var configuration = HTTP1Server.Configuration()
        configuration.disablingNagle = disablingNagle
        try self.init(application: application, host: host, port: port, logger: logger, engine: configuration)
    }

    /// The engine with the given limits and timeouts (tests shorten them).
    init(
        application: APIApplication,
        host: String?,
        port: UInt16,
        logger: Logger,
        engine configuration: HTTP1Server.Configuration
    ) throws {
        self.application = application
        self.logger = logger
        var configuration = configuration
        configuration.maxBodyBytes = application.largestBodyLimit
        application.config.engine.apply(to: &configuration)
        configuration.onConnectionRefused = { [metrics = application.metrics] reason in
            metrics.recordRefusedConnection(reason: reason)
        }
        server = HTTP1Server(host: host, port: port, configuration: configuration, logger: logger) {
            [application] request in
            await application.respond(to: request)
        }
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: { [logger, server] in
            logger.info("shutting down: finishing requests in flight")
            server.beginStop(timeout: Self.shutdownGrace)
        }
    }

    public func waitUntilListening(timeout: TimeInterval = 5) async throws {
        try await server.waitUntilListening(timeout: .seconds(timeout))
    }

    /// The bound port, once listening.
    public var port: UInt16? {
        get async { server.port }
    }

    public func stop() async {
        await server.stop(timeout: Self.stopGrace)
    }
}
