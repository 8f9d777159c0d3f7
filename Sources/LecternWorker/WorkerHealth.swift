import Synchronization

/// What the worker is doing, for `GET /health` beside the metrics: a supervisor (or an operator) can tell a worker
/// that waits for SQS from one that works, without parsing logs.
public final class WorkerHealth: Sendable {
    public enum Status: String, Sendable {
        case starting
        case waitingForQueue = "waiting-for-queue"
        case running
        case stopping
    }

    private let state = Mutex(Status.starting)

    public init() {}

    public var status: Status { state.withLock { $0 } }

    func set(_ status: Status) {
        // Stopping is final: a late "running" from the start-up path must not hide a shutdown in progress.
        state.withLock { if $0 != .stopping { $0 = status } }
    }
}
