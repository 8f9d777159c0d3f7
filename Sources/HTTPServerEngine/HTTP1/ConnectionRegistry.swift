import Synchronization

/// Where a connection is in its request cycle, and since when: the registry's reaper closes connections that stay
/// too long in a waiting phase (idle keep-alive, a head or body trickling in, a client not reading its answer), and
/// a graceful stop closes the idle ones at once.
enum ConnectionPhase: Equatable {
    case idle(since: ContinuousClock.Instant)
    case readingHead(since: ContinuousClock.Instant)
    case readingBody(since: ContinuousClock.Instant)
    /// The application has the request. Past the handler timeout the reaper answers 503 itself and closes; the
    /// handler is not cancelled (tasks are cooperative) and its late answer is dropped.
    case handling(since: ContinuousClock.Instant)
    case sending(since: ContinuousClock.Instant)
    /// After an error answer: draining what the client still sends, so closing does not reset the answer away.
    case lingering(since: ContinuousClock.Instant)
}

/// The timeouts the reaper enforces.
struct ConnectionDeadlines: Sendable {
    var idle: Duration
    var head: Duration
    var body: Duration
    var send: Duration
    var linger: Duration
    var handler: Duration

    func limit(for phase: ConnectionPhase) -> (since: ContinuousClock.Instant, limit: Duration)? {
        switch phase {
        case .idle(let since): (since, idle)
        case .readingHead(let since): (since, head)
        case .readingBody(let since): (since, body)
        case .sending(let since): (since, send)
        case .lingering(let since): (since, linger)
        case .handling(let since): (since, handler)
        }
    }
}

/// One connection's shared state: its socket (so others can shut it down) and its phase.
final class ConnectionState: Sendable {
    let socket: ConnectionSocket
    /// The peer's IP address as text, without the port (`APIRequest.clientAddress`).
    let clientAddress: String?
    private struct Guarded {
        var phase: ConnectionPhase
        var draining = false
        var shutDown = false
    }
    private let guarded: Mutex<Guarded>

    init(socket: ConnectionSocket, clientAddress: String? = nil, now: ContinuousClock.Instant = .now) {
        self.socket = socket
        self.clientAddress = clientAddress
        guarded = Mutex(Guarded(phase: .idle(since: now)))
    }

    enum SendDecision: Equatable {
        /// Write the answer; `stopping` says the server is stopping (the answer then says `Connection: close`).
        case proceed(stopping: Bool)
        /// The handler timeout answered and shut the socket already.
        case abandoned
    }

    /// Between requests. False when the server is stopping: the connection should close instead of waiting.
    func enterIdle() -> Bool {
        guarded.withLock { state in
            state.phase = .idle(since: .now)
            return !state.draining
        }
    }

    func enter(_ phase: ConnectionPhase) {
        guarded.withLock { $0.phase = phase }
    }

    /// The first bytes of a request arrived: the idle wait becomes a head read with its own, shorter limit.
    func noteHeadStarted() {
        guarded.withLock { state in
            if case .idle = state.phase { state.phase = .readingHead(since: .now) }
        }
    }

    /// The answer is about to be written.
    func enterSending() -> SendDecision {
        guarded.withLock { state in
            if case .handling = state.phase, state.shutDown { return .abandoned }
            state.phase = .sending(since: .now)
            return .proceed(stopping: state.draining)
        }
    }

    /// Graceful stop: close now if idle; otherwise the connection closes after the answer it is working on.
    func drain() {
        let idle = guarded.withLock { state -> Bool in
            state.draining = true
            guard case .idle = state.phase, !state.shutDown else { return false }
            state.shutDown = true
            return true
        }
        if idle { socket.shutdown() }
    }

    /// Shuts the socket down if the current phase has outlived its limit; a handler past its limit first gets the
    /// client a 503, a head or body past its limit a 408 (one non-blocking write: nothing else is being written then).
    func expire(now: ContinuousClock.Instant, deadlines: ConnectionDeadlines) {
        let overdue = guarded.withLock { state -> ConnectionPhase? in
            guard !state.shutDown, let (since, limit) = deadlines.limit(for: state.phase), now - since >= limit else {
                return nil
            }
            state.shutDown = true
            return state.phase
        }
        guard let overdue else { return }
        switch overdue {
        case .handling:
            socket.sendNow(
                ResponseEncoder.encode(
                    APIProblem.handlerTimedOut(after: deadlines.handler).response(),
                    persistence: .close
                )
            )
        case .readingHead, .readingBody:
            // A request was begun and not finished in time: say so (RFC 9110 §15.5.9) rather than only close. Not
            // for an idle connection, whose client may be sending a request at this very moment.
            socket.sendNow(ResponseEncoder.encode(APIProblem.requestTimeout.response(), persistence: .close))
        case .idle, .sending, .lingering:
            break
        }
        socket.shutdown()
    }

    func forceShutdown() {
        guarded.withLock { $0.shutDown = true }
        socket.shutdown()
    }
}

/// Why a new connection was turned away.
enum ConnectionRefusal: String, Sendable {
    /// The server holds as many connections as it accepts.
    case serverFull = "server-full"
    /// This client address holds as many as one address may.
    case clientFull = "client-full"
}

/// Every open connection of one server, and how many each client address holds.
final class ConnectionRegistry: Sendable {
    private struct Guarded {
        var connections: [ObjectIdentifier: ConnectionState] = [:]
        var perClient: [String: Int] = [:]
        var draining = false
    }
    private let guarded = Mutex(Guarded())

    /// Whether one more connection from `address` fits: at most `maxConnections` in all and `maxPerClient` from one
    /// address (0: no per-address cap). Only the accept loop registers, so the answer holds until it does.
    func refusal(for address: String?, maxConnections: Int, maxPerClient: Int) -> ConnectionRefusal? {
        guarded.withLock { state in
            if state.connections.count >= maxConnections { return .serverFull }
            if maxPerClient > 0, let address, state.perClient[address, default: 0] >= maxPerClient {
                return .clientFull
            }
            return nil
        }
    }

    func register(_ connection: ConnectionState) {
        let draining = guarded.withLock { state -> Bool in
            state.connections[ObjectIdentifier(connection)] = connection
            if let address = connection.clientAddress { state.perClient[address, default: 0] += 1 }
            return state.draining
        }
        if draining { connection.drain() }
    }

    func unregister(_ connection: ConnectionState) {
        guarded.withLock { state in
            guard state.connections.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
            if let address = connection.clientAddress {
                let remaining = state.perClient[address, default: 1] - 1
                state.perClient[address] = remaining > 0 ? remaining : nil
            }
        }
    }

    func count(from address: String) -> Int { guarded.withLock { $0.perClient[address, default: 0] } }

    var count: Int { guarded.withLock { $0.connections.count } }

    private var snapshot: [ConnectionState] { guarded.withLock { Array($0.connections.values) } }

    /// Graceful stop: idle connections close now, busy ones after their answer; later registrations drain at once.
    func drainAll() {
        let connections = guarded.withLock { state -> [ConnectionState] in
            state.draining = true
            return Array(state.connections.values)
        }
        for connection in connections { connection.drain() }
    }

    func expireOverdue(now: ContinuousClock.Instant, deadlines: ConnectionDeadlines) {
        for connection in snapshot { connection.expire(now: now, deadlines: deadlines) }
    }

    func shutdownAll() {
        for connection in snapshot { connection.forceShutdown() }
    }
}
