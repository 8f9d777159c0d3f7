import FlyingFox
import FlyingSocks
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Serves an `APIApplication` over HTTP/1.1; a `Service`, so swift-service-lifecycle stops it gracefully on SIGTERM
/// (no new connections, idle keep-alive connections closed at once, requests in flight finish).
///
/// The engine is Lectern's own `HTTP1Server` unless the configuration asks for FlyingFox's `HTTPServer`
/// (`LECTERN_HTTP_ENGINE=flyingfox`), kept selectable so the two can be compared on the same application.
public final class APIServer: Service, Sendable {
    public let application: APIApplication
    let engine: Engine
    let logger: Logger
    private let stopping = Mutex(false)

    enum Engine: Sendable {
        case lectern(HTTP1Server)
        case flyingFox(HTTPServer)
    }

    /// How long SIGTERM waits for requests in flight, and `stop()`.
    static let shutdownGrace: Duration = .seconds(10)
    static let stopGrace: Duration = .seconds(5)

    /// `host` nil listens on every interface; port 0 picks a free one (see `port`).
    public convenience init(application: APIApplication, host: String? = nil, port: UInt16, logger: Logger = Logger(label: "lectern-api")) throws {
        try self.init(application: application, host: host, port: port, logger: logger, disablingNagle: true)
    }

    /// `disablingNagle: false` leaves Nagle on (FlyingFox's stock socket pool, or our engine without TCP_NODELAY):
    /// only for the test that shows why we do not.
    convenience init(application: APIApplication, host: String?, port: UInt16, logger: Logger, disablingNagle: Bool) throws {
        var configuration = HTTP1Server.Configuration()
        configuration.disablingNagle = disablingNagle
        try self.init(application: application, host: host, port: port, logger: logger, engine: configuration)
    }

    /// Our engine with the given limits and timeouts (tests shorten them), or FlyingFox if the configuration says so.
    init(application: APIApplication, host: String?, port: UInt16, logger: Logger, engine configuration: HTTP1Server.Configuration) throws {
        self.application = application
        self.logger = logger
        switch application.config.httpEngine {
        case .lectern:
            var configuration = configuration
            configuration.maxBodyBytes = application.largestBodyLimit
            application.config.engine.apply(to: &configuration)
            configuration.onConnectionRefused = { [metrics = application.metrics] reason in metrics.recordRefusedConnection(reason: reason) }
            engine = .lectern(HTTP1Server(host: host, port: port, configuration: configuration, logger: logger) { [application] request in
                await application.respond(to: request)
            })
        case .flyingFox:
            let address: any SocketAddress = if let host { try sockaddr_in.inet(ip4: host, port: port) } else { sockaddr_in6.inet6(port: port) }
            let pool: any AsyncSocketPool = configuration.disablingNagle ? NoDelaySocketPool(HTTPServer.defaultPool()) : HTTPServer.defaultPool()
            let config = HTTPServer.Configuration(address: address, timeout: 120, pool: pool, logger: .disabled)
            engine = .flyingFox(HTTPServer(config: config, handler: FlyingFoxBridge(application: application)))
        }
    }

    public func run() async throws {
        switch engine {
        case .lectern(let server):
            try await withGracefulShutdownHandler {
                try await server.run()
            } onGracefulShutdown: { [logger] in
                logger.info("shutting down: finishing requests in flight")
                server.beginStop(timeout: Self.shutdownGrace)
            }
        case .flyingFox(let server):
            try await withGracefulShutdownHandler {
                do {
                    try await server.run()
                } catch where stopping.withLock({ $0 }) {
                    // Closing the listening socket ends FlyingFox's accept loop with an error: that is the stop we asked for.
                }
            } onGracefulShutdown: { [self] in
                logger.info("shutting down: finishing requests in flight")
                stopping.withLock { $0 = true }
                Task { await server.stop(timeout: Self.shutdownGrace / .seconds(1)) }
            }
        }
    }

    public func waitUntilListening(timeout: TimeInterval = 5) async throws {
        switch engine {
        case .lectern(let server): try await server.waitUntilListening(timeout: .seconds(timeout))
        case .flyingFox(let server): try await server.waitUntilListening(timeout: timeout)
        }
    }

    /// The bound port, once listening.
    public var port: UInt16? {
        get async {
            switch engine {
            case .lectern(let server):
                return server.port
            case .flyingFox(let server):
                switch await server.listeningAddress {
                case .ip4(_, let port), .ip6(_, let port): return port
                default: return nil
                }
            }
        }
    }

    public func stop() async {
        switch engine {
        case .lectern(let server):
            await server.stop(timeout: Self.stopGrace)
        case .flyingFox(let server):
            stopping.withLock { $0 = true }
            await server.stop(timeout: Self.stopGrace / .seconds(1))
        }
    }
}

/// Turns FlyingFox requests into `APIRequest`s (reading at most the body limit) and `APIResponse`s back.
struct FlyingFoxBridge: HTTPHandler {
    let application: APIApplication

    func handleRequest(_ request: FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse {
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
        let limit = application.largestBodyLimit
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
        return FlyingFox.HTTPResponse(statusCode: HTTPStatusCode(response.status, phrase: HTTPReasonPhrase.phrase(for: response.status)),
                                      headers: headers, body: response.body)
    }
}
