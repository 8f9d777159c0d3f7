import Synchronization

/// Where a connection is in its request cycle, and since when: the registry's reaper closes connections that stay
/// too long in a waiting phase (idle keep-alive, a head or body trickling in, a client not reading its answer), and
/// a graceful stop closes the idle ones at once.
enum ConnectionPhase: Equatable {
    case idle(since: ContinuousClock.Instant)
    case readingHead(since: ContinuousClock.Instant)
    case readingBody(since: ContinuousClock.Instant)
    /// The application has the request; no time limit (the server does not cut handlers short).
    case handling
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

    func limit(for phase: ConnectionPhase) -> (since: ContinuousClock.Instant, limit: Duration)? {
        switch phase {
        case .idle(let since): (since, idle)
        case .readingHead(let since): (since, head)
        case .readingBody(let since): (since, body)
        case .sending(let since): (since, send)
        case .lingering(let since): (since, linger)
        case .handling: nil
        }
    }
}

/// One connection's shared state: its socket (so others can shut it down) and its phase.
final class ConnectionState: Sendable {
    let socket: ConnectionSocket
    private struct Guarded {
        var phase: ConnectionPhase
        var draining = false
        var shutDown = false
    }
    private let guarded: Mutex<Guarded>

    init(socket: ConnectionSocket, now: ContinuousClock.Instant = .now) {
        self.socket = socket
        guarded = Mutex(Guarded(phase: .idle(since: now)))
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

    /// The answer is being written; returns whether the server is stopping (the answer then says `Connection: close`).
    func enterSending() -> Bool {
        guarded.withLock { state in
            state.phase = .sending(since: .now)
            return state.draining
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

    /// Shuts the socket down if the current phase has outlived its limit.
    func expire(now: ContinuousClock.Instant, deadlines: ConnectionDeadlines) {
        let overdue = guarded.withLock { state -> Bool in
            guard !state.shutDown, let (since, limit) = deadlines.limit(for: state.phase), now - since >= limit else { return false }
            state.shutDown = true
            return true
        }
        if overdue { socket.shutdown() }
    }

    func forceShutdown() {
        guarded.withLock { $0.shutDown = true }
        socket.shutdown()
    }
}

/// Every open connection of one server.
final class ConnectionRegistry: Sendable {
    private struct Guarded {
        var connections: [ObjectIdentifier: ConnectionState] = [:]
        var draining = false
    }
    private let guarded = Mutex(Guarded())

    func register(_ connection: ConnectionState) {
        let draining = guarded.withLock { state -> Bool in
            state.connections[ObjectIdentifier(connection)] = connection
            return state.draining
        }
        if draining { connection.drain() }
    }

    func unregister(_ connection: ConnectionState) {
        _ = guarded.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }

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
