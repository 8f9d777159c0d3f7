import CLinuxEvents
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One of the HTTP/1.1 engine's event loops: a thread of its own that runs the jobs of the connection tasks assigned
/// to it (it is their `TaskExecutor`) and, between batches of jobs, takes socket events from its own epoll
/// descriptor and resumes the tasks whose sockets became ready.
///
/// Why not FlyingSocks' `SocketPool`: that pool is an actor that adds a socket to epoll for every wait and removes it
/// at every wake-up, and its `epoll_wait` runs on a dispatch queue whose every batch hops back onto the actor. Under
/// load those hand-offs between threads were a tenth of the CPU (in the scheduler), and they stretched p99. Here each
/// socket is added once, edge-triggered, for everything it will ever wait for, so a wait costs no system call.
///
/// Why an executor: a connection task that prefers this reactor (`addTask(executorPreference:)`) is resumed by an
/// event on the thread that will run it, so a request goes from readable socket to answer without waking another
/// thread; jobs run first in, first out, events are taken after each batch, and a task that yields goes to the back
/// of the queue, so every connection on a loop gets its turn. Actors the handler calls (caches, rate limits) run on
/// the caller's preferred executor too. A job enqueued from another thread (a DynamoDB answer from libcurl's
/// thread) wakes the loop through the `eventfd` only if it sleeps in `epoll_wait`.
///
/// Lifecycle: `start()` spawns the thread, `stop()` wakes it through the `eventfd`, joins it and ends whatever still
/// waits; jobs that arrive after that run on the global concurrent executor. The epoll and event descriptors are
/// closed in `deinit`, not in `stop()`: every socket holds its reactor, so no socket can ever remove itself from a
/// closed (or reused) epoll descriptor.
final class SocketReactor: TaskExecutor, Sendable {
    /// What a socket is registered for.
    enum Interest {
        /// An accepted connection: readable, writable, and the peer's half-close.
        case connection
        /// A listening socket: a connection to accept.
        case listener

        var events: UInt32 {
            switch self {
            case .connection: EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
            case .listener: EPOLLIN.rawValue | EPOLLET.rawValue
            }
        }
    }

    /// How many events one `epoll_wait` returns at most.
    static let maxEvents = 256

    /// `epoll_data` of the stop eventfd; no socket's token has all 32 descriptor bits set.
    private static let wakeToken = UInt64.max

    private let epollDescriptor: Int32
    private let wakeDescriptor: Int32

    /// Registered sockets by descriptor. The generation in an event's token must match the entry's, so an event
    /// for a socket that has since been deregistered, and its number reused, reaches no one.
    private struct Table {
        var entries: [Int32: SocketRegistration] = [:]
        var lastGeneration: UInt32 = 0
        var stopped = false

        func registration(for token: UInt64) -> SocketRegistration? {
            guard let registration = entries[Int32(truncatingIfNeeded: token)],
                registration.generation == UInt32(truncatingIfNeeded: token >> 32)
            else { return nil }
            return registration
        }
    }
    private let table = Mutex(Table())

    private struct Lifecycle {
        var thread: pthread_t?
        var stopped = false
    }
    private let lifecycle = Mutex(Lifecycle())
    /// Set by `stop()` before it wakes the thread.
    private let stopRequested = Atomic<Bool>(false)

    /// Jobs waiting to run on the thread.
    private struct Jobs {
        var queue: [UnownedJob] = []
        /// The thread is in, or about to enter, an `epoll_wait` without a timeout: an enqueue must wake it.
        var sleeping = false
        /// The loop has returned (or never ran): jobs go to the global concurrent executor.
        var ended = false
    }
    private let jobs = Mutex(Jobs())

    init() throws(SocketReactorError) {
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw .systemCall("epoll_create1", errno) }
        let wake = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        guard wake >= 0 else {
            let code = errno
            _ = Glibc.close(epoll)
            throw .systemCall("eventfd", code)
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeToken
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event) == 0 else {
            let code = errno
            _ = Glibc.close(wake)
            _ = Glibc.close(epoll)
            throw .systemCall("epoll_ctl", code)
        }
        epollDescriptor = epoll
        wakeDescriptor = wake
    }

    deinit {
        _ = Glibc.close(wakeDescriptor)
        _ = Glibc.close(epollDescriptor)
    }

    // MARK: Thread

    /// Spawns the reactor thread (once; after `stop()` it throws).
    func start() throws(SocketReactorError) {
        try lifecycle.withLock { state throws(SocketReactorError) in
            guard !state.stopped else { throw .stopped }
            guard state.thread == nil else { return }
            // The thread holds the reactor until its loop ends.
            let context = Unmanaged.passRetained(self).toOpaque()
            var thread = pthread_t()
            let result = pthread_create(
                &thread,
                nil,
                { context in
                    let reactor = Unmanaged<SocketReactor>.fromOpaque(context!).takeRetainedValue()
                    reactor.runLoop()
                    return nil
                },
                context
            )
            guard result == 0 else {
                Unmanaged<SocketReactor>.fromOpaque(context).release()
                throw .systemCall("pthread_create", result)
            }
            state.thread = thread
        }
    }

    /// Stops and joins the thread, then ends every wait still parked (nothing would wake it any more) and refuses
    /// new registrations. Idempotent.
    func stop() {
        let thread = lifecycle.withLock { state -> pthread_t? in
            state.stopped = true
            defer { state.thread = nil }
            return state.thread
        }
        if let thread {
            stopRequested.store(true, ordering: .sequentiallyConsistent)
            wake()
            _ = pthread_join(thread, nil)
        } else {
            endJobs()
        }
        let remaining = table.withLock { table in
            table.stopped = true
            return Array(table.entries.values)
        }
        for registration in remaining { registration.close(because: .stopped) }
    }

    private func runLoop() {
        setThreadName()
        var events = [epoll_event](repeating: epoll_event(), count: Self.maxEvents)
        var ready: [(SocketRegistration, UInt32)] = []
        ready.reserveCapacity(Self.maxEvents)
        var running: [UnownedJob] = []
        running.reserveCapacity(Self.maxEvents)
        let executor = asUnownedTaskExecutor()
        while true {
            // The jobs queued so far, first in first out; what they enqueue runs in the next round, after the events.
            jobs.withLock { swap(&$0.queue, &running) }
            for job in running { job.runSynchronously(on: executor) }
            running.removeAll(keepingCapacity: true)

            // Block only when no job is waiting; otherwise just collect what is ready.
            let timeout: Int32 = jobs.withLock { state in
                if state.queue.isEmpty {
                    state.sleeping = true
                    return -1
                }
                return 0
            }
            let count = Int(epoll_wait(epollDescriptor, &events, Int32(events.count), timeout))
            if timeout < 0 { jobs.withLock { $0.sleeping = false } }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                // Only a broken epoll descriptor fails here, and this reactor owns it: nothing left to wait on.
                preconditionFailure("epoll_wait failed: \(String(cString: strerror(code)))")
            }
            var woken = false
            // One lock for the batch; waiters are resumed outside it.
            table.withLock { table in
                for index in 0..<count {
                    let token = events[index].data.u64
                    if token == Self.wakeToken {
                        woken = true
                    } else if let registration = table.registration(for: token) {
                        ready.append((registration, events[index].events))
                    }
                }
            }
            // Resuming a waiter enqueues its task's job: onto this loop's queue when the task prefers it.
            for (registration, mask) in ready { registration.signal(mask) }
            ready.removeAll(keepingCapacity: true)
            if woken {
                var value: UInt64 = 0
                _ = Glibc.read(wakeDescriptor, &value, MemoryLayout<UInt64>.size)
                if stopRequested.load(ordering: .sequentiallyConsistent) {
                    endJobs()
                    return
                }
            }
        }
    }

    // MARK: Executor

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        enum Then { case nothing, wake, forward }
        let then = jobs.withLock { state -> Then in
            if state.ended { return .forward }
            state.queue.append(job)
            guard state.sleeping else { return .nothing }
            state.sleeping = false
            return .wake
        }
        switch then {
        case .nothing: break
        case .wake: wake()
        case .forward: globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeDescriptor, &one, MemoryLayout<UInt64>.size)
    }

    /// No thread will run jobs any more: what is queued, and what comes later, goes to the global executor.
    private func endJobs() {
        let left = jobs.withLock { state in
            state.ended = true
            defer { state.queue = [] }
            return state.queue
        }
        for job in left { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// "lectern-reactor" in `top -H` and perf (Glibc's module does not export `pthread_setname_np`; Foundation
    /// calls it).
    private func setThreadName() {
        Thread.current.name = "lectern-reactor"
    }

    // MARK: Registration

    /// Adds `descriptor` to epoll, once, for everything `interest` covers. Deregister it before closing it.
    func register(_ descriptor: Int32, for interest: Interest) throws(SocketReactorError) -> SocketRegistration {
        // In the table before epoll can report it, so the first event finds it.
        let registration = try table.withLock { table throws(SocketReactorError) -> SocketRegistration in
            guard !table.stopped else { throw .stopped }
            table.lastGeneration &+= 1
            let registration = SocketRegistration(descriptor: descriptor, generation: table.lastGeneration)
            table.entries[descriptor] = registration
            return registration
        }
        var event = epoll_event()
        event.events = interest.events
        event.data.u64 = registration.token
        guard epoll_ctl(epollDescriptor, EPOLL_CTL_ADD, descriptor, &event) == 0 else {
            let code = errno
            forget(registration)
            throw .systemCall("epoll_ctl", code)
        }
        return registration
    }

    /// Removes the socket from epoll (its descriptor must still be open) and ends its waits.
    func deregister(_ registration: SocketRegistration) {
        _ = epoll_ctl(epollDescriptor, EPOLL_CTL_DEL, registration.descriptor, nil)
        forget(registration)
        registration.close(because: .deregistered)
    }

    private func forget(_ registration: SocketRegistration) {
        table.withLock { table in
            if table.entries[registration.descriptor] === registration { table.entries[registration.descriptor] = nil }
        }
    }

    /// The registration an event's token names, nil if stale (for tests; the loop reads the table directly).
    func registration(for token: UInt64) -> SocketRegistration? {
        table.withLock { $0.registration(for: token) }
    }
}

/// One socket's place in the reactor: per direction, a readiness sequence and at most one parked waiter.
///
/// How a wait never misses its wake-up, with edge triggering (epoll reports a change once, not a state):
/// 1. The waiting side reads the direction's sequence (`readiness(_:)`) *before* it tries `recv`/`send`/`accept`.
/// 2. The reactor bumps the sequence, under this registration's lock, for every event it takes from epoll, after
///    the kernel queued it; then it resumes the parked waiter, if any.
/// 3. On `EAGAIN` the waiting side calls `wait(for:unchangedSince:)`, which, under the same lock, parks only if the
///    sequence still has the value read in step 1, and otherwise returns at once so the caller retries.
/// Readiness that arrives after the system call failed (the case edge triggering makes dangerous) raises an edge,
/// so epoll reports it and the reactor bumps the sequence after it arrived, hence after step 1. The lock orders the
/// bump against the check in step 3: either the check sees the moved sequence and the caller retries, or the waiter
/// is parked first and the bump resumes it. Readiness that arrived before the system call is seen by the call
/// itself; its event may still bump the sequence afterwards, which costs one spurious retry, never a lost wake-up.
/// Events for a socket since deregistered never reach the next owner of its descriptor number: the reactor matches
/// the generation in the event's token, and an event already matched reaches only the old, closed registration.
///
/// Hang-ups and errors (`EPOLLHUP`, `EPOLLERR`, `EPOLLRDHUP`) bump and wake both directions: the retried system call
/// reports end of file or the error. `shutDown(reading:writing:)` does the same for a direction this process shut
/// down, without relying on the kernel's event (Linux does send one), and from then on a wait in that direction that
/// would park fails instead, so a socket can never spin on a direction that will not become ready.
///
/// Each waiter's continuation is resumed exactly once: whoever takes it out of the state under the lock (an event,
/// a shutdown, deregistration, or its task's cancellation) resumes it; the others find the slot empty.
final class SocketRegistration: Sendable {
    enum Direction: Sendable {
        case read
        case write
    }

    let descriptor: Int32
    let generation: UInt32

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Side {
        var sequence: UInt64 = 0
        var waiter: Waiter?
        var shut = false
    }

    private struct State {
        var read = Side()
        var write = Side()
        var closed: SocketReactorError?

        subscript(direction: Direction) -> Side {
            get { direction == .read ? read : write }
            set { if direction == .read { read = newValue } else { write = newValue } }
        }

        /// Marks the direction ready and takes its waiter.
        mutating func bump(_ direction: Direction) -> Waiter? {
            self[direction].sequence &+= 1
            defer { self[direction].waiter = nil }
            return self[direction].waiter
        }
    }
    private let state = Mutex(State())

    /// Distinguishes waits, so a late cancellation handler never resumes a later wait in the same direction.
    private static let waitIDs = Atomic<UInt64>(0)

    private static let readEvents =
        EPOLLIN.rawValue | EPOLLPRI.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue
    private static let writeEvents = EPOLLOUT.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue

    init(descriptor: Int32, generation: UInt32) {
        self.descriptor = descriptor
        self.generation = generation
    }

    /// `epoll_data`: the descriptor in the low 32 bits, the generation in the high ones.
    var token: UInt64 { UInt64(UInt32(bitPattern: descriptor)) | UInt64(generation) << 32 }

    /// Read before the system call whose `EAGAIN` may lead to `wait(for:unchangedSince:)`.
    func readiness(_ direction: Direction) -> UInt64 {
        state.withLock { $0[direction].sequence }
    }

    /// Returns once the direction may be ready: at once if its sequence moved since `sequence` was read, otherwise
    /// when the reactor reports an event. Throws `CancellationError` if the task is cancelled, and
    /// `SocketReactorError` once the socket is deregistered, the reactor stopped, or the direction shut down.
    func wait(for direction: Direction, unchangedSince sequence: UInt64) async throws {
        let id = Self.waitIDs.wrappingAdd(1, ordering: .relaxed).newValue
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let early = state.withLock { state -> Result<Void, any Error>? in
                    if let closed = state.closed { return .failure(closed) }
                    if state[direction].sequence != sequence { return .success(()) }
                    if state[direction].shut { return .failure(SocketReactorError.shutDown) }
                    // Checked under the lock: a cancellation after this finds the waiter below and resumes it.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    precondition(state[direction].waiter == nil, "two tasks wait for the same direction of one socket")
                    state[direction].waiter = Waiter(id: id, continuation: continuation)
                    return nil
                }
                if let early { continuation.resume(with: early) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let waiter = state[direction].waiter, waiter.id == id else { return nil }
                state[direction].waiter = nil
                return waiter
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// The reactor's report of an epoll event.
    func signal(_ events: UInt32) {
        let readable = events & Self.readEvents != 0
        let writable = events & Self.writeEvents != 0
        let (reader, writer) = state.withLock { state in
            (readable ? state.bump(.read) : nil, writable ? state.bump(.write) : nil)
        }
        reader?.continuation.resume()
        writer?.continuation.resume()
    }

    /// After this process shut the socket down: wakes the directions shut so their waiters retry (and see end of
    /// file or `EPIPE`), and makes later waits in them fail rather than park.
    func shutDown(reading: Bool, writing: Bool) {
        let (reader, writer) = state.withLock { state in
            if reading { state.read.shut = true }
            if writing { state.write.shut = true }
            return (reading ? state.bump(.read) : nil, writing ? state.bump(.write) : nil)
        }
        reader?.continuation.resume()
        writer?.continuation.resume()
    }

    /// Deregistered or the reactor stopped: ends both waits with `reason`, and every later one.
    func close(because reason: SocketReactorError) {
        let waiters = state.withLock { state in
            if state.closed == nil { state.closed = reason }
            defer {
                state.read.waiter = nil
                state.write.waiter = nil
            }
            return [state.read.waiter, state.write.waiter]
        }
        for waiter in waiters { waiter?.continuation.resume(throwing: reason) }
    }

    /// Whether a task is parked (for tests that must know a wait really parked before they wake it).
    func isParked(_ direction: Direction) -> Bool {
        state.withLock { $0[direction].waiter != nil }
    }
}

enum SocketReactorError: Error, Equatable, CustomStringConvertible {
    case systemCall(String, Int32)
    case stopped
    case deregistered
    case shutDown

    var description: String {
        switch self {
        case .systemCall(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        case .stopped: "the socket reactor has stopped"
        case .deregistered: "the socket is no longer registered with the reactor"
        case .shutDown: "the socket was shut down in this direction"
        }
    }
}
