import AWS
import Foundation
import LecternCore
import Logging
import Transcoder

/// The long-poll encoder: receives up to as many jobs as it has free slots, runs each through `JobRunner`, and on
/// `shutdown()` stops receiving at once, lets running jobs finish within the grace, then releases the rest.
public actor Worker {
    public let configuration: WorkerConfiguration
    public let metrics: WorkerMetrics
    private let context: AWSContext
    private let logger: Logger
    private let scratch: ScratchSpace
    private let transcoder: Transcoder
    private let captions: CaptionDraftSettings
    private let captionImporter: any MachineCaptionImporter
    private let transcribe: TranscribeClient?
    private let mail: LectureMailSettings

    private var stopping = false
    private var activeJobs = 0
    /// Cancels what the worker is waiting on outside its jobs (a long poll, the start-up connection or its backoff),
    /// so shutdown never waits for it.
    private var interrupt: (@Sendable () -> Void)?
    private let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    public init(
        configuration: WorkerConfiguration,
        context: AWSContext,
        logger: Logger = Logger(label: "lectern-worker"),
        metrics: WorkerMetrics = WorkerMetrics(),
        diskSpace: DiskSpace = .system,
        transcoder: Transcoder = Transcoder(),
        captions: CaptionDraftSettings = .off,
        captionImporter: any MachineCaptionImporter = KeepDraftInBucket(),
        transcribe: TranscribeClient? = nil,
        mail: LectureMailSettings = .off
    ) {
        self.configuration = configuration
        self.context = context
        self.logger = logger
        self.metrics = metrics
        self.scratch = ScratchSpace(
            directory: configuration.scratchDirectory,
            minimumFreeBytes: configuration.minimumFreeBytes,
            disk: diskSpace
        )
        self.transcoder = transcoder
        self.captions = captions
        self.captionImporter = captionImporter
        self.transcribe = transcribe
        self.mail = mail
        (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Jobs running now.
    public var jobsInFlight: Int { activeJobs }

    /// Stops receiving (cancelling a long poll in flight); `run()` returns once running jobs finished or were
    /// released after the grace.
    public func shutdown() {
        guard !stopping else { return }
        stopping = true
        logger.notice("shutting down", metadata: ["jobsInFlight": "\(activeJobs)"])
        metrics.health.set(.stopping)
        interrupt?()
        wake.yield()
    }

    /// Receives and runs jobs until `shutdown()`. First removes scratch folders that dead workers left, then waits
    /// (with a capped backoff) for the queue to answer. Throws only when the scratch directory cannot be made.
    public func run() async throws {
        try FileManager.default.createDirectory(
            atPath: configuration.scratchDirectory,
            withIntermediateDirectories: true
        )
        sweepScratch()
        guard let environment = await connect() else {
            logger.info("worker stopped before reaching its queue")
            return
        }
        let runner = JobRunner(environment: environment)
        metrics.health.set(stopping ? .stopping : .running)
        logger.info(
            "worker started",
            metadata: [
                "workerId": "\(configuration.workerID)", "concurrency": "\(configuration.concurrency)",
                "dlq": "\(environment.deadLetterQueueURL ?? "none")", "ffmpeg": "\(FFmpegBuild.version)",
            ]
        )
        // Discarding: a long-lived worker runs unboundedly many jobs, and a plain group keeps every finished child.
        await withDiscardingTaskGroup { group in
            var wakeIterator = wakeUps.makeAsyncIterator()
            while !stopping {
                let free = configuration.concurrency - activeJobs
                if free <= 0 {
                    _ = await wakeIterator.next()
                    continue
                }
                if let shortBy = scratch.shortfall {
                    logger.warning("scratch disk low; not receiving", metadata: ["shortBytes": "\(shortBy)"])
                    try? await Task.sleep(for: .seconds(2))
                    continue
                }
                let messages: [SQSMessage]
                do {
                    messages = try await receive(max: min(free, SQSClient.maxBatchSize))
                } catch {
                    if stopping { break }
                    logger.warning("receive failed", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                let receivedAt = Date()
                if stopping {
                    // The poll answered as shutdown began: hand these straight back.
                    await release(messages)
                    break
                }
                for message in messages {
                    activeJobs += 1
                    group.addTask {
                        await runner.handle(message, receivedAt: receivedAt)
                        await self.jobFinished()
                    }
                }
            }
            await drain(group: &group)
        }
        logger.info("worker stopped")
    }

    /// Waits up to the grace for running jobs, then cancels the rest (each releases its message and record).
    private func drain(group: inout DiscardingTaskGroup) async {
        let deadline = ContinuousClock.now + configuration.shutdownGrace
        while activeJobs > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        if activeJobs > 0 {
            logger.notice("grace over; releasing running jobs", metadata: ["jobsInFlight": "\(activeJobs)"])
            group.cancelAll()
        }
        // The group itself waits for the cancelled jobs to settle before `run()` returns.
    }

    private func release(_ messages: [SQSMessage]) async {
        let sqs = SQSClient(context: context)
        for message in messages {
            try? await sqs.changeMessageVisibility(
                configuration.queueURL,
                receiptHandle: message.receiptHandle,
                visibilityTimeout: 0
            )
        }
    }

    private func jobFinished() {
        activeJobs -= 1
        wake.yield()
    }

    private func receive(max count: Int) async throws -> [SQSMessage] {
        let sqs = SQSClient(context: context)
        let queueURL = configuration.queueURL
        let wait = configuration.receiveWaitSeconds
        // A short first hiding: when shutdown cancels a long poll, SQS (and moto) may still hand a message to the
        // dropped connection, and it stays hidden for this long instead of the queue's timeout (minutes). A job's
        // first heartbeat, right after its claim, extends it to the full visibility.
        let visibility = Self.receiveVisibilitySeconds(jobVisibility: configuration.visibilitySeconds)
        return try await interruptibly {
            try await sqs.receiveMessages(
                queueURL,
                maxMessages: count,
                waitTimeSeconds: wait,
                visibilityTimeout: visibility
            )
        }
    }

    /// Seconds a received message stays hidden until its job's first heartbeat: long enough for decode and claim
    /// on a loaded host, short enough that a message lost to a cancelled poll is soon visible again.
    static func receiveVisibilitySeconds(jobVisibility: Int) -> Int { min(jobVisibility, 20) }

    /// Runs `body` in a task that `shutdown()` cancels.
    private func interruptibly<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        interrupt = { task.cancel() }
        defer { interrupt = nil }
        if stopping { task.cancel() }
        return try await task.value
    }

    /// Removes the job folders of workers that died (SIGKILL, OOM) without cleaning up. Folders of live workers
    /// sharing this scratch directory are held locked and stay.
    private func sweepScratch() {
        do {
            let removed = try ScratchSweeper.sweep(root: configuration.scratchDirectory)
            if !removed.isEmpty {
                logger.notice(
                    "removed scratch folders left by dead workers",
                    metadata: ["folders": "\(removed.sorted())"]
                )
            }
        } catch {
            logger.warning("could not sweep the scratch directory", metadata: ["error": "\(error)"])
        }
    }

    /// Reaches the queue, retrying with a capped backoff while SQS does not answer (a worker started before its
    /// queue, or during an outage, waits instead of crash-looping). Answers nil when shutdown came first.
    private func connect() async -> JobEnvironment? {
        metrics.health.set(.waitingForQueue)
        var attempt = 0
        while !stopping {
            do {
                let environment = try await interruptibly { try await self.prepare() }
                metrics.queueConnected.set(1.0)
                if attempt > 0 { logger.notice("queue reachable", metadata: ["attempts": "\(attempt + 1)"]) }
                return environment
            } catch {
                if stopping { return nil }
                attempt += 1
                let delay = Self.startRetryDelay(attempt: attempt, maximum: configuration.startRetryMaxDelay)
                logger.warning(
                    "queue unreachable at start; retrying",
                    metadata: [
                        "attempt": "\(attempt)", "retryInSeconds": "\(delay.seconds)", "error": "\(error)",
                    ]
                )
                _ = try? await interruptibly { try await Task.sleep(for: delay) }
            }
        }
        return nil
    }

    /// 0.5 s doubling per attempt up to `maximum`, plus up to a fifth more at random so workers sharing a host
    /// do not knock together.
    static func startRetryDelay(attempt: Int, maximum: Duration) -> Duration {
        let base = Duration.milliseconds(500) * (1 << min(20, max(0, attempt - 1)))
        let capped = min(base, maximum)
        return capped + capped * Double.random(in: 0...0.2)
    }

    /// Finds the DLQ and the receive limit from the queue's redrive policy (or the configuration).
    private func prepare() async throws -> JobEnvironment {
        let sqs = SQSClient(context: context)
        let attributes = try await sqs.queueAttributes(
            configuration.queueURL,
            names: ["RedrivePolicy", "VisibilityTimeout"]
        )
        var deadLetterQueueURL = configuration.deadLetterQueueURL
        if deadLetterQueueURL == nil, let arn = attributes.redrivePolicy?.deadLetterTargetArn {
            // arn:aws:sqs:<region>:<account>:<name>
            let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 6 {
                deadLetterQueueURL = try await sqs.queueURL(named: String(parts[5]), ownerAccountID: String(parts[4]))
            }
        }
        let scaleIn = configuration.ecsAgentURI.map {
            ScaleInProtection(
                agentURI: $0,
                minutes: configuration.protectionMinutes,
                transport: context.transport,
                logger: logger
            )
        }
        let captionDrafts =
            captions.isOn
            ? CaptionDraftRunner(
                settings: captions,
                transcribe: transcribe ?? TranscribeClient(context: context),
                sqs: sqs,
                s3: S3Client(context: context),
                store: LectureStore(dynamo: DynamoDBClient(context: context), table: configuration.table),
                queueURL: configuration.queueURL,
                bucket: configuration.bucket,
                importer: captionImporter,
                logger: logger,
                retryBaseDelaySeconds: configuration.retryBaseDelaySeconds,
                maxRetryDelaySeconds: configuration.maxRetryDelaySeconds
            ) : nil
        return JobEnvironment(
            configuration: configuration,
            sqs: sqs,
            s3: S3Client(context: context),
            store: LectureStore(dynamo: DynamoDBClient(context: context), table: configuration.table),
            transcoder: transcoder,
            metrics: metrics,
            logger: logger,
            scratch: scratch,
            protection: scaleIn,
            deadLetterQueueURL: deadLetterQueueURL,
            maxReceiveCount: attributes.redrivePolicy?.maxReceiveCount
                ?? JobLimits(encodeAttempts: configuration.maxEncodeAttempts).queueMaxReceiveCount,
            queueHasRedrive: attributes.redrivePolicy != nil,
            captionDrafts: captionDrafts,
            outcomeMail: mail == .off
                ? nil
                : LectureOutcomeNotifier(
                    settings: mail,
                    ses: SESClient(context: context),
                    store: LectureStore(dynamo: DynamoDBClient(context: context), table: configuration.table)
                )
        )
    }
}
