import Foundation
import Logging
import ServiceLifecycle

/// Runs `JobOutbox.sweep`, `JobOutbox.requeueAbandoned` and `JobOutbox.resendQueued` every `interval` until cancelled
/// or the service group
/// shuts down gracefully. Every API task runs one; sweeps that overlap across tasks at worst send a job twice, which
/// the worker's conditional claim absorbs.
public struct OutboxSweeper: Service {
    public struct Settings: Sendable, Equatable {
        /// Time between sweeps.
        public var interval: TimeInterval
        /// How old a marker must be before its job is sent again; well above one SQS send with its retries.
        public var age: TimeInterval
        /// How long after its lease lapsed a lecture still `processing` is taken as abandoned and queued again. Its
        /// message normally brings a new worker within one visibility timeout (≤ 120 s) plus a long poll, so this
        /// only acts when the message is gone; a lecture is `processing` at most lease + this + `interval`.
        public var abandonedAfter: TimeInterval
        /// How long after SQS accepted its message a lecture still `queued` gets its job sent again (the message
        /// purged, expired or lost). Each lecture queued behind a backlog older than this gets one duplicate per
        /// period, which the worker's claim absorbs; an hour keeps that rare while a lost job waits at most about
        /// an hour, far inside the queue's 14-day retention.
        public var queuedResendAfter: TimeInterval

        public init(
            interval: TimeInterval = 30,
            age: TimeInterval = 60,
            abandonedAfter: TimeInterval = 300,
            queuedResendAfter: TimeInterval = 3600
        ) {
            self.interval = interval
            self.age = age
            self.abandonedAfter = abandonedAfter
            self.queuedResendAfter = queuedResendAfter
        }

        /// `LECTERN_OUTBOX_SWEEP_SECONDS` (default 30, 1…3600), `LECTERN_OUTBOX_AGE_SECONDS` (default 60, 5…86400) and
        /// `LECTERN_ABANDONED_LEASE_SECONDS` (default 300, 5…86400) and `LECTERN_QUEUED_RESEND_SECONDS` (default 3600,
        /// 60…1209600).
        public static func fromEnvironment(
            _ environment: [String: String] = ProcessInfo.processInfo.environment
        ) throws(APIConfigError) -> Settings {
            var problems: [String] = []
            func seconds(_ name: String, default fallback: Int, in range: ClosedRange<Int>) -> TimeInterval {
                TimeInterval(
                    EnvironmentSetting.integer(
                        name,
                        in: environment,
                        default: fallback,
                        range: range,
                        unit: " of seconds",
                        problems: &problems
                    )
                )
            }
            let settings = Settings(
                interval: seconds("LECTERN_OUTBOX_SWEEP_SECONDS", default: 30, in: 1...3600),
                age: seconds("LECTERN_OUTBOX_AGE_SECONDS", default: 60, in: 5...86_400),
                abandonedAfter: seconds("LECTERN_ABANDONED_LEASE_SECONDS", default: 300, in: 5...86_400),
                queuedResendAfter: seconds("LECTERN_QUEUED_RESEND_SECONDS", default: 3600, in: 60...1_209_600)
            )
            guard problems.isEmpty else { throw APIConfigError(problems: problems) }
            return settings
        }
    }

    let outbox: JobOutbox
    let settings: Settings
    let logger: Logger

    public init(
        outbox: JobOutbox,
        settings: Settings = Settings(),
        logger: Logger = Logger(label: "lectern-api.outbox")
    ) {
        self.outbox = outbox
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        // Graceful shutdown cancels the loop; a sweep cut short leaves its markers for the next task's sweep.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(settings.interval))
                await sweepOnce()
            }
        }
    }

    /// One sweep, errors logged (DynamoDB may be briefly unavailable; the next sweep tries again).
    func sweepOnce() async {
        do {
            let result = try await outbox.sweep(olderThan: settings.age)
            if result != JobOutbox.SweepResult() {
                logger.notice(
                    "outbox sweep",
                    metadata: [
                        "resent": "\(result.resent)", "settled": "\(result.settled)", "failed": "\(result.failed)",
                    ]
                )
            }
            let abandoned = try await outbox.requeueAbandoned(lapsedFor: settings.abandonedAfter)
            if abandoned != JobOutbox.SweepResult() {
                logger.notice(
                    "abandoned lectures queued again",
                    metadata: ["resent": "\(abandoned.resent)", "failed": "\(abandoned.failed)"]
                )
            }
            let queued = try await outbox.resendQueued(after: settings.queuedResendAfter)
            if queued != JobOutbox.SweepResult() {
                logger.notice(
                    "long-queued lectures sent again",
                    metadata: ["resent": "\(queued.resent)", "failed": "\(queued.failed)"]
                )
            }
        } catch is CancellationError {
        } catch {
            logger.error("outbox sweep failed", metadata: ["error": "\(error)"])
        }
    }
}
