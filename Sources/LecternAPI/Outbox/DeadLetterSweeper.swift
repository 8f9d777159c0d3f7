import Foundation
import LecternCore
import Logging
import ServiceLifecycle

/// Runs `DeadLetterSweep` every `interval`, so a job SQS moved to the DLQ never leaves its lecture `processing`. It
/// runs in the API because the API is always up: the worker fleet may be scaled to zero exactly when its messages
/// went to the DLQ. Every API task runs one; their writes are conditional, so overlapping sweeps are safe.
public struct DeadLetterSweeper: Service {
    public struct Settings: Sendable, Equatable {
        /// Time between sweeps.
        public var interval: TimeInterval

        public init(interval: TimeInterval = 30) {
            self.interval = interval
        }

        /// `LECTERN_DLQ_SWEEP_SECONDS` (default 30, 1…3600).
        public static func fromEnvironment(
            _ environment: [String: String] = ProcessInfo.processInfo.environment
        ) throws(APIConfigError) -> Settings {
            var problems: [String] = []
            let seconds = EnvironmentSetting.integer(
                "LECTERN_DLQ_SWEEP_SECONDS",
                in: environment,
                default: 30,
                range: 1...3_600,
                unit: " of seconds",
                problems: &problems
            )
            guard problems.isEmpty else { throw APIConfigError(problems: problems) }
            return Settings(interval: TimeInterval(seconds))
        }
    }

    let sweep: DeadLetterSweep?
    let settings: Settings
    let logger: Logger

    /// With no dead-letter queue (none configured, none in the queue's redrive policy) the service only waits.
    /// `outcomeMail` mails the uploaders of lectures a sweep fails (nil: no mail).
    public init(
        services: APIServices,
        settings: Settings = Settings(),
        logger: Logger = Logger(label: "lectern-api.dlq"),
        outcomeMail: LectureOutcomeNotifier? = nil
    ) {
        self.sweep = services.deadLetterQueueURL.map {
            DeadLetterSweep(sqs: services.sqs, store: services.store, deadLetterQueueURL: $0, outcomeMail: outcomeMail)
        }
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        guard sweep != nil else {
            logger.notice("no dead-letter queue; the DLQ sweeper is idle")
            try? await gracefulShutdown()
            return
        }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(settings.interval))
                await sweepOnce()
            }
        }
    }

    /// One sweep, errors logged (the next sweep tries again).
    func sweepOnce() async {
        guard let sweep else { return }
        do {
            let result = try await sweep.sweep()
            if result.lecturesFailed > 0 || result.removed > 0 || result.errors > 0 {
                logger.notice(
                    "dead-letter sweep",
                    metadata: [
                        "lecturesFailed": "\(result.lecturesFailed)", "removed": "\(result.removed)",
                        "kept": "\(result.kept)",
                        "errors": "\(result.errors)",
                    ]
                )
            }
            for mail in result.mails where mail != .off {
                logger.log(
                    level: mail.isProblem ? .warning : .info,
                    "outcome e-mail",
                    metadata: ["outcome": "failed", "mail": "\(mail.summary)"]
                )
            }
        } catch is CancellationError {
        } catch {
            logger.error("dead-letter sweep failed", metadata: ["error": "\(error)"])
        }
    }
}
