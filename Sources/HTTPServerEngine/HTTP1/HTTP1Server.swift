import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Lectern's HTTP/1.1 server engine, on event loops of its own (`SocketReactor`: one thread per core, each both an
/// epoll reactor and the task executor of the connections it watches; each socket registered once, edge-triggered):
/// one task per connection, requests parsed from large reads by a byte scanner, handled inline, answered in one
/// write.
///
/// It replaced FlyingFox's `HTTPServer` in front of `APIApplication` because FlyingFox parses request heads one byte
/// at a time through async iterators (a third of lectern-api's CPU under load), writes head and body separately,
/// reads oversized bodies before the application can refuse them and, on stop, waits out idle keep-alive connections.
///
/// Lifecycle: `run()` binds, serves, and returns once stopped. `stop(timeout:)` (or `beginStop`, for a signal
/// handler) stops accepting, closes idle keep-alive connections at once, lets requests in flight finish and closes
/// their connections after the answer; whatever is still open at the timeout is shut down.
public final class HTTP1Server: Sendable {
    public typealias Handler = @Sendable (APIRequest) async -> APIResponse

    public struct Configuration: Sendable {
        /// Request line plus headers; above it the answer is 431.
        public var maxHeadBytes = 16 * 1024
        /// Header field lines in one head (a field sent twice counts twice); above it the answer is 431. Apache's
        /// default; our own clients send about ten.
        public var maxHeaderFields = 100
        /// Open connections in all; beyond it a new connection gets a 503 and is closed at once. Below the
        /// descriptor limit, so the server refuses politely instead of failing `accept` with EMFILE.
        public var maxConnections = Configuration.defaultMaxConnections()
        /// Open connections from one client address; 0 for no such cap. Behind a load balancer every connection
        /// comes from its few addresses: raise it to `maxConnections` there.
        public var maxConnectionsPerClient = 1_000
        /// How long a handler may take before the client gets a 503 and the connection closes.
        public var handlerTimeout: Duration = .seconds(30)
        /// At most one warning per this interval when connections are refused (with the count since the last one).
        public var refusalLogInterval: Duration = .seconds(10)
        /// Told of every refused connection (the API counts them in its metrics).
        public var onConnectionRefused: (@Sendable (ConnectionRefusalReason) -> Void)?
        /// Above it the answer is 413, decided from Content-Length before the body is read.
        public var maxBodyBytes = 1 << 20
        /// A kept-alive connection with no request for this long is closed. Longer than a load balancer's idle
        /// timeout (an AWS ALB's is 60 s), so the balancer, not the server, closes idle connections and never
        /// sends a request onto one the server is closing.
        public var idleTimeout: Duration = .seconds(75)
        /// From a head's first bytes to its end (slowloris).
        public var headTimeout: Duration = .seconds(10)
        /// From the end of the head to the end of the body.
        public var bodyTimeout: Duration = .seconds(30)
        /// For the client to take an answer.
        public var sendTimeout: Duration = .seconds(30)
        /// After an error answer, how long to drain what the client still sends before closing.
        public var lingerTimeout: Duration = .seconds(1)
        /// TCP_NODELAY on every accepted socket; off only to show, in a test, what it guards against.
        public var disablingNagle = true
        /// Event loops (threads, each with its own epoll descriptor) that run the connections, assigned in turn;
        /// one per core by default, like the cooperative pool they replace for connection tasks.
        public var eventLoops = max(1, ProcessInfo.processInfo.activeProcessorCount)

        public init() {}

        /// 10,000, or less if the descriptor limit (`ulimit -n`) is lower: that limit minus 128 for the AWS clients,
        /// the reactors and files.
        public static func defaultMaxConnections() -> Int {
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else {
                return 10_000
            }
            return min(10_000, max(64, Int(clamping: limit.rlim_cur) - 128))
        }

        var deadlines: ConnectionDeadlines {
            ConnectionDeadlines(
                idle: idleTimeout,
                head: headTimeout,
                body: bodyTimeout,
                send: sendTimeout,
                linger: lingerTimeout,
                handler: handlerTimeout
            )
        }

        /// How often the reaper looks: a quarter of the shortest timeout, between 10 ms and 500 ms.
        var reaperInterval: Duration {
            let shortest = [idleTimeout, headTimeout, bodyTimeout, sendTimeout, lingerTimeout, handlerTimeout].min()!
            return min(max(shortest / 4, .milliseconds(10)), .milliseconds(500))
        }
    }

    /// Why a connection was refused, for counters: `server-full` or `client-full`.
    public typealias ConnectionRefusalReason = String

    public struct NotListening: Error, CustomStringConvertible {
        public var description: String
    }

    public let configuration: Configuration
    let host: String?
    let requestedPort: UInt16
    let handler: Handler
    let logger: Logger
    private let registry = ConnectionRegistry()
    private let refused = Mutex([ConnectionRefusal: Int]())

    /// Connections open now.
    public var openConnections: Int { registry.count }

    /// Connections refused since start because the server or one client address was at its cap.
    public var refusedConnections: (serverFull: Int, clientFull: Int) {
        refused.withLock { ($0[.serverFull, default: 0], $0[.clientFull, default: 0]) }
    }

    private struct Guarded {
        var started = false
        var finished = false
        var listener: ListeningSocket?
        var port: UInt16?
        var failure: (any Error)?
        /// Set by the first stop: when connections still open get shut down.
        var drainDeadline: ContinuousClock.Instant?
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
    }
    private let guarded = Mutex(Guarded())

    /// `host` nil listens on every interface; port 0 picks a free one (see `port`).
    public init(
        host: String?,
        port: UInt16,
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "lectern-http"),
        handler: @escaping Handler
    ) {
        self.host = host
        requestedPort = port
        self.configuration = configuration
        self.logger = logger
        self.handler = handler
    }

    /// The bound port, once listening.
    public var port: UInt16? { guarded.withLock { $0.port } }

    public func waitUntilListening(timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (port, failure, finished) = guarded.withLock { ($0.port, $0.failure, $0.finished) }
            if port != nil { return }
            if let failure { throw failure }
            if finished { throw NotListening(description: "the server stopped before it listened") }
            if ContinuousClock.now >= deadline {
                throw NotListening(description: "the server did not listen within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    // MARK: Running

    public func run() async throws {
        let first = guarded.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard first else { throw NotListening(description: "run() was already called on this server") }
        defer { finish() }

        var reactors: [SocketReactor] = []
        let listener: ListeningSocket
        do {
            for _ in 0..<max(1, configuration.eventLoops) { reactors.append(try SocketReactor()) }
            listener = try ListeningSocket(host: host, port: requestedPort, backlog: SOMAXCONN, reactor: reactors[0])
            for reactor in reactors { try reactor.start() }
        } catch {
            for reactor in reactors { reactor.stop() }
            guarded.withLock { $0.failure = error }
            throw error
        }
        // Every connection task has ended by then (the task group waits for them).
        defer { for reactor in reactors { reactor.stop() } }
        let stopRequested = guarded.withLock { state in
            state.listener = listener
            state.port = listener.port
            return state.drainDeadline != nil
        }
        if stopRequested { listener.shutdown() }

        await withDiscardingTaskGroup { group in
            group.addTask { [registry, configuration] in
                await Self.reap(registry, every: configuration.reaperInterval, deadlines: configuration.deadlines)
            }
            await acceptConnections(on: listener, reactors: reactors) { socket, peer, reactor in
                let state = ConnectionState(socket: socket, clientAddress: peer)
                registry.register(state)
                // The task runs on the loop its socket's events arrive on.
                group.addTask(executorPreference: reactor) { [registry, configuration, handler, logger] in
                    var connection = HTTP1Connection(
                        socket: socket,
                        state: state,
                        configuration: configuration,
                        handler: handler,
                        logger: logger
                    )
                    await connection.serve()
                    registry.unregister(state)
                }
            }
            // Not accepting any more: let requests in flight finish, until the stop's deadline.
            listener.shutdown()
            registry.drainAll()
            let deadline = guarded.withLock { state in
                state.listener = nil
                return state.drainDeadline ?? .now
            }
            while registry.count > 0, ContinuousClock.now < deadline, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(5))
            }
            if registry.count > 0 { logger.warning("stopping: closing \(registry.count) connections still busy") }
            registry.shutdownAll()
            group.cancelAll()
        }
    }

    /// Accepts until the server stops (or its task is cancelled), in batches: every connection waiting in the
    /// backlog is taken before parking on the reactor again.
    private func acceptConnections(
        on listener: ListeningSocket,
        reactors: [SocketReactor],
        start: (ConnectionSocket, String?, SocketReactor) -> Void
    ) async {
        var next = 0
        var refusals = RefusalLog(interval: configuration.refusalLogInterval)
        while !isStopping, !Task.isCancelled {
            let readiness = listener.registration.readiness(.read)
            let (descriptor, peer) = listener.accept()
            if descriptor >= 0 {
                if let refusal = registry.refusal(
                    for: peer,
                    maxConnections: configuration.maxConnections,
                    maxPerClient: configuration.maxConnectionsPerClient
                ) {
                    refuse(descriptor, refusal)
                    if let summary = refusals.note(refusal, now: .now) {
                        logger.warning(
                            "refusing connections: at the connection cap",
                            metadata: [
                                "refused": "\(summary.count)", "since": "\(summary.since)",
                                "last-reason": "\(refusal.rawValue)",
                                "open": "\(registry.count)", "max-connections": "\(configuration.maxConnections)",
                                "max-connections-per-client": "\(configuration.maxConnectionsPerClient)",
                            ]
                        )
                    }
                    continue
                }
                do {
                    let reactor = reactors[next]
                    next = (next + 1) % reactors.count
                    let socket = try ConnectionSocket(adopting: descriptor, reactor: reactor)
                    if configuration.disablingNagle { socket.disableNagle() }
                    start(socket, peer, reactor)
                } catch {
                    logger.error("cannot register a connection; closed it", metadata: ["error": "\(error)"])
                }
                continue
            }
            let code = errno
            switch code {
            case EAGAIN, EWOULDBLOCK:
                do {
                    try await listener.registration.wait(for: .read, unchangedSince: readiness)
                } catch  where !isStopping && !Task.isCancelled {
                    logger.error("waiting for connections failed", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .milliseconds(100))
                } catch {}
            case EINTR, ECONNABORTED, EPROTO, EPERM:
                continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                // Out of descriptors or memory: connections wait in the backlog until some close.
                logger.error("cannot accept connections", metadata: ["error": "\(String(cString: strerror(code)))"])
                try? await Task.sleep(for: .milliseconds(100))
            default:
                if !isStopping {
                    logger.error(
                        "accept failed; no longer accepting",
                        metadata: ["error": "\(String(cString: strerror(code)))"]
                    )
                }
                return
            }
        }
    }

    /// Beyond a cap: a 503 in one non-blocking write and close, without registering the socket or starting a task.
    /// A 503 rather than a bare close because a load balancer passes a 503 on as retryable and tells ops why, where a
    /// reset becomes a 502; it costs one `send` of a prepared answer (lost only if the client already sent bytes,
    /// which makes the close a reset).
    private func refuse(_ descriptor: Int32, _ refusal: ConnectionRefusal) {
        // Counted first: whoever sees the 503 may look at the counters at once.
        refused.withLock { $0[refusal, default: 0] += 1 }
        configuration.onConnectionRefused?(refusal.rawValue)
        let answer = ResponseEncoder.encode(APIProblem.overloaded.response(), persistence: .close)
        _ = answer.withUnsafeBytes { raw in
            Glibc.send(descriptor, raw.baseAddress!, raw.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
        _ = Glibc.close(descriptor)
    }

    private var isStopping: Bool { guarded.withLock { $0.drainDeadline != nil } }

    private static func reap(
        _ registry: ConnectionRegistry,
        every interval: Duration,
        deadlines: ConnectionDeadlines
    ) async {
        while true {
            do { try await Task.sleep(for: interval) } catch { return }
            registry.expireOverdue(now: .now, deadlines: deadlines)
        }
    }

    // MARK: Stopping

    /// Starts a graceful stop and returns at once (for signal handlers); `run()` returns when it is done.
    public func beginStop(timeout: Duration) {
        let listener = guarded.withLock { state in
            let deadline = ContinuousClock.now + timeout
            state.drainDeadline = min(state.drainDeadline ?? deadline, deadline)
            return state.listener
        }
        listener?.shutdown()
        registry.drainAll()
    }

    /// Stops gracefully and returns once `run()` has finished (at once if it never started).
    public func stop(timeout: Duration = .seconds(5)) async {
        beginStop(timeout: timeout)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = guarded.withLock { state in
                if !state.started || state.finished { return true }
                state.finishWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func finish() {
        let waiters = guarded.withLock { state in
            state.finished = true
            state.port = nil
            defer { state.finishWaiters = [] }
            return state.finishWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Rate-limits the accept loop's warning about refused connections to one per interval, carrying the count since
/// the last one: a flood must not turn into a flood of log lines.
struct RefusalLog {
    let interval: Duration
    private var lastWarning: ContinuousClock.Instant?
    private var countSinceWarning = 0
    private var firstSinceWarning: ContinuousClock.Instant?

    init(interval: Duration) { self.interval = interval }

    /// A summary to log now, or nil while the last warning is recent.
    mutating func note(_ refusal: ConnectionRefusal, now: ContinuousClock.Instant) -> (count: Int, since: Duration)? {
        countSinceWarning += 1
        if firstSinceWarning == nil { firstSinceWarning = now }
        if let lastWarning, now - lastWarning < interval { return nil }
        defer {
            lastWarning = now
            countSinceWarning = 0
            firstSinceWarning = nil
        }
        return (countSinceWarning, now - (firstSinceWarning ?? now))
    }
}
