import Synchronization

/// A wait on the socket pool that another task can cut short.
///
/// Shutting a socket down is not enough to wake a task parked on FlyingSocks' epoll pool when the kernel reports a
/// bare hang-up (no readable or writable bit): a shut-down listening socket, a shut-down socket parked for writing.
/// The pool maps such an event to the events it had registered when its epoll thread last started waiting, so a
/// socket registered after that gets an empty event, which wakes no one, and edge triggering never reports it
/// again. Waits that a stop or a timeout must end therefore run in a task of their own that `interrupt()` cancels;
/// cancellation reaches the pool through its actor, not through epoll.
final class InterruptibleWait: Sendable {
    private struct Guarded {
        var interrupted = false
        var current: Task<Void, any Error>?
    }
    private let guarded = Mutex(Guarded())

    /// Runs `wait`; throws `CancellationError` once interrupted (at once if that already happened).
    func run(_ wait: @escaping @Sendable () async throws -> Void) async throws {
        let task = Task { try await wait() }
        let interrupted = guarded.withLock { state in
            state.current = task
            return state.interrupted
        }
        if interrupted { task.cancel() }
        defer { guarded.withLock { $0.current = nil } }
        try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    /// Ends the current wait and every later one.
    func interrupt() {
        let task = guarded.withLock { state in
            state.interrupted = true
            return state.current
        }
        task?.cancel()
    }
}
