import LecternCore

/// The local worker pool's decisions, free of processes and clocks: how many `lectern-worker`s to run (by the
/// deployment's `ScalingPolicy`, cooldowns included) and, when scaling in, which ones to stop.
/// `lectern dev workers` feeds it what it observed each interval and carries out the answer.
public struct WorkerPoolPlanner: Sendable {
    public let policy: ScalingPolicy

    public init(policy: ScalingPolicy) {
        self.policy = policy
    }

    /// A worker process that runs and has not been asked to stop.
    public struct Member: Sendable, Equatable {
        /// The supervisor's number for it; higher numbers started later.
        public var id: Int
        /// Its `lectern_worker_jobs_running` gauge; nil when its metrics could not be read (just starting, or stuck).
        public var jobsRunning: Int?

        public init(id: Int, jobsRunning: Int?) {
            self.id = id
            self.jobsRunning = jobsRunning
        }
    }

    public struct Decision: Sendable, Equatable {
        /// The pool's size from now on.
        public var size: Int
        /// Whether the size changed (the cooldowns count from the last change).
        public var changed: Bool
        /// New workers to start: up to the size, replacing any that died.
        public var start: Int
        /// Members to send SIGTERM (they drain their jobs and exit).
        public var stop: [Int]

        public init(size: Int, changed: Bool, start: Int, stop: [Int]) {
            self.size = size
            self.changed = changed
            self.start = start
            self.stop = stop
        }
    }

    /// `size`: the size decided last time (members may be fewer if some died). `visible`/`inFlight`: the queue's
    /// ApproximateNumberOfMessages and …NotVisible.
    public func decide(
        size: Int,
        members: [Member],
        visible: Int,
        inFlight: Int,
        secondsSinceLastChange: Int
    ) -> Decision {
        let next = policy.nextSize(
            current: size,
            visible: visible,
            inFlight: inFlight,
            secondsSinceLastChange: secondsSinceLastChange
        )
        let start = max(0, next - members.count)
        let stop = Self.workersToStop(max(0, members.count - next), from: members)
        return Decision(size: next, changed: next != size, start: start, stop: stop)
    }

    /// The `count` members that cost least to stop: idle ones first, then those whose load is unknown, then the
    /// least busy; among equals the newest (the oldest have proven they start and work).
    public static func workersToStop(_ count: Int, from members: [Member]) -> [Int] {
        guard count > 0 else { return [] }
        func cost(_ member: Member) -> Int {
            switch member.jobsRunning {
            case .some(let jobs) where jobs <= 0: 0
            case .none: 1
            case .some(let jobs): 1 + jobs
            }
        }
        let ordered = members.sorted { cost($0) != cost($1) ? cost($0) < cost($1) : $0.id > $1.id }
        return ordered.prefix(count).map(\.id)
    }
}
