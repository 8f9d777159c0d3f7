import AWS
import Foundation
import LecternCore
import Logging
import Synchronization
import Transcoder

/// Everything one job needs, shared by every job of a worker.
struct JobEnvironment: Sendable {
    let configuration: WorkerConfiguration
    let sqs: SQSClient
    let s3: S3Client
    let store: LectureStore
    let transcoder: Transcoder
    let metrics: WorkerMetrics
    let logger: Logger
    let scratch: ScratchSpace
    let protection: ScaleInProtection?
    /// Where permanent failures go; nil when the queue has none and none is configured.
    let deadLetterQueueURL: String?
    /// Deliveries after which SQS moves a message to the DLQ (or the worker gives up).
    let maxReceiveCount: Int
    let queueHasRedrive: Bool
    /// Moves automatic caption drafts forward; nil when `LECTERN_CAPTIONS_ENGINE` is off.
    var captionDrafts: CaptionDraftRunner? = nil
    /// Mails the uploader when a lecture is ready or failed; nil when `LECTERN_NOTIFY_EMAIL` is off.
    var outcomeMail: LectureOutcomeNotifier? = nil
}

/// Takes one received message from claim to publish (or to a reasoned failure), then settles the message:
/// deleted, re-hidden with a backoff, released, or copied to the DLQ.
struct JobRunner: Sendable {
    let environment: JobEnvironment
    private var configuration: WorkerConfiguration { environment.configuration }
    private var sqs: SQSClient { environment.sqs }
    private var store: LectureStore { environment.store }

    /// Ends a job whose worker no longer owns it: another worker took it over after our lease lapsed.
    struct LostOwnership: Error, CustomStringConvertible {
        let lectureID: String
        var description: String { "another worker took over lecture \(lectureID)" }
    }

    /// The lease a claim or heartbeat takes: a second short of the message's visibility, so after a crash the lease
    /// has lapsed by the time the message is delivered again.
    var leaseSeconds: Double { Double(configuration.visibilitySeconds) - 1 }

    /// Seconds to hide a duplicate delivery so it comes back just after a live holder's lease `until` ends.
    static func hidingDelay(until: Date?) -> Int {
        let lease = until.map { max(0, $0.timeIntervalSinceNow) } ?? 0
        return min(SQSLimits.maxVisibilityTimeoutSeconds, Int(lease.rounded(.up)) + 1)
    }

    /// A job's scratch folder (locked while it lives; the caller removes it); failing to make one is transient.
    func scratchFolder(_ name: String) throws -> ScratchFolder {
        do { return try ScratchFolder(root: configuration.scratchDirectory, name: name) } catch {
            throw RetryLater(description: "could not make a scratch folder: \(error)")
        }
    }

    /// A transient condition worth a retry, in words.
    struct RetryLater: Error, CustomStringConvertible {
        let description: String
    }

    func handle(_ message: SQSMessage, receivedAt: Date) async {
        if let sent = message.sentTimestamp {
            environment.metrics.queueWaitSeconds.record(max(0, receivedAt.timeIntervalSince(sent)))
        }
        var logger = environment.logger
        logger[metadataKey: "messageId"] = "\(message.messageID)"
        if let draft = CaptionDraftMessage.decodeIfDraft(message.body) {
            await handleCaptionDraft(message, draft: draft, logger: logger)
            return
        }
        let job: JobMessage
        do {
            job = try JobMessage.decode(message.body)
        } catch {
            // A newer producer's version goes to the DLQ untouched: a newer worker may take it from there.
            if error.kind == .unsupportedVersion {
            } else if let identity = JobValidation.salvageIdentity(message.body) {
                logger[metadataKey: "lectureId"] = "\(identity.lectureID)"
                await rejectInvalid(
                    message,
                    lectureID: identity.lectureID,
                    version: identity.outputVersion,
                    problem: JobValidation.problem(
                        undecodable: message.body,
                        lectureID: identity.lectureID,
                        decodingError: error.description
                    ),
                    logger: logger
                )
                return
            }
            await reject(message, reason: error.description, logger: logger)
            return
        }
        if let problem = JobValidation.problem(in: job) {
            if JobValidation.isSafeIdentifier(job.lectureID) {
                logger[metadataKey: "lectureId"] = "\(job.lectureID)"
                await rejectInvalid(
                    message,
                    lectureID: job.lectureID,
                    version: JobValidation.isSafeIdentifier(job.outputVersion) ? job.outputVersion : nil,
                    problem: problem,
                    logger: logger
                )
            } else {
                await reject(message, reason: "invalid job message: \(problem.detail)", logger: logger)
            }
            return
        }
        logger[metadataKey: "lectureId"] = "\(job.lectureID)"
        logger[metadataKey: "version"] = "\(job.outputVersion)"
        if let part = job.part {
            logger[metadataKey: "part"] = "\(part.part)"
            await handlePart(message, job: job, part: part, receivedAt: receivedAt, logger: logger)
            return
        }

        let record: LectureRecord
        do {
            record = try await store.claim(
                job.lectureID,
                version: job.outputVersion,
                workerID: configuration.workerID,
                leaseSeconds: leaseSeconds,
                attemptLimit: configuration.maxEncodeAttempts
            )
        } catch let conflict as LectureStore.Conflict {
            await settleUnclaimable(message, job: job, current: conflict.current, logger: logger)
            return
        } catch  where Task.isCancelled {
            // Shutdown interrupted the claim: let another worker have the message now.
            await Self.uncancelled { [logger] in await self.changeVisibility(message, seconds: 0, logger: logger) }
            return
        } catch {
            logger.warning("claim failed; will retry", metadata: ["error": "\(error)"])
            await retryLater(message, job: job, attempts: nil, reason: "\(error)", logger: logger)
            return
        }
        let receiveToClaim = Date().timeIntervalSince(receivedAt)
        environment.metrics.receiveToClaimSeconds.record(receiveToClaim)
        logger.info(
            "claimed",
            metadata: ["attempt": "\(record.attempts)", "receiveCount": "\(message.receiveCount ?? 0)"]
        )
        let lease = LeaseHolder(.lecture)
        await run(
            job,
            message: message,
            attempts: record.attempts,
            receivedAt: receivedAt,
            receiveToClaim: receiveToClaim,
            lease: lease,
            logger: logger
        ) { [logger] progress, scratch in
            try await self.wholeJob(
                job,
                claimed: record,
                scratch: scratch,
                progress: progress,
                lease: lease,
                logger: logger
            )
        }
    }

    // MARK: Running a claimed job

    /// A claimed whole job: resume its split plan (stitch a complete one, send the parts not done again), plan a
    /// split for a long lecture, or encode it here.
    private func wholeJob(
        _ job: JobMessage,
        claimed record: LectureRecord,
        scratch: String,
        progress: JobProgress,
        lease: LeaseHolder,
        logger: Logger
    ) async throws -> WorkOutcome {
        if let split = record.split, split.outputVersion == job.outputVersion {
            if split.isComplete {
                logger.info("resuming a complete split plan: stitching")
                return .published(
                    try await stitchAndPublish(job, split: split, scratch: scratch, progress: progress, logger: logger)
                )
            }
            return .handedOver(parts: try await resumeParts(job, split: split, lease: lease, logger: logger))
        }
        if let parts = try await planSplit(job, progress: progress, lease: lease, logger: logger) {
            return .handedOver(parts: parts)
        }
        return .published(try await encodeAndPublish(job, scratch: scratch, progress: progress, logger: logger))
    }

    /// What a claimed job's work ended with.
    enum WorkOutcome: Sendable {
        /// The lecture is ready (a whole encode, or the stitch of a split one).
        case published(JobTimings)
        /// A split plan's parts were sent; the lecture is theirs now.
        case handedOver(parts: Int)
        /// One part of a split encode is uploaded and marked done; another part's worker stitches.
        case partDone(SplitPart)
    }

    /// Runs `work` beside the heartbeat (`keepAlive`, writing the lease `lease` names) and settles the message.
    func run(
        _ job: JobMessage,
        message: SQSMessage,
        attempts: Int,
        receivedAt: Date,
        receiveToClaim: Double,
        lease: LeaseHolder,
        logger: Logger,
        work: @escaping @Sendable (JobProgress, String) async throws -> WorkOutcome
    ) async {
        environment.metrics.jobsRunning.increment()
        await environment.protection?.jobStarted()
        let scratch = "\(job.lectureID)-\(job.outputVersion)-\(UUID().uuidString.prefix(8))"
        let progress = JobProgress()
        let outcome: Result<WorkOutcome, any Error>
        do {
            var result = try await withThrowingTaskGroup(of: WorkOutcome?.self, returning: WorkOutcome.self) { group in
                group.addTask {
                    try await self.keepAlive(
                        job,
                        message: message,
                        receivedAt: receivedAt,
                        progress: progress,
                        lease: lease,
                        logger: logger
                    )
                    return nil
                }
                group.addTask { try await work(progress, scratch) }
                // The first to finish decides: the work's result, or the heartbeat's loss of ownership.
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let outcome = result { return outcome }
                }
                throw CancellationError()
            }
            if case .published(var timings) = result {
                timings.receiveToClaim = receiveToClaim
                result = .published(timings)
            }
            outcome = .success(result)
        } catch {
            outcome = .failure(error)
        }
        environment.metrics.jobsRunning.decrement()
        await environment.protection?.jobEnded()
        let cancelled = Task.isCancelled
        await Self.uncancelled {
            await self.settle(
                job,
                message: message,
                attempts: attempts,
                outcome: outcome,
                cancelled: cancelled,
                lease: lease,
                logger: logger
            )
        }
    }

    private func settle(
        _ job: JobMessage,
        message: SQSMessage,
        attempts: Int,
        outcome: Result<WorkOutcome, any Error>,
        cancelled: Bool,
        lease: LeaseHolder,
        logger: Logger
    ) async {
        // A part's failure is the lecture's only when nobody else's work depends on this worker's lease: a part
        // fails the lecture as an unattended write (`fail` without a worker), the stitch as the lecture's holder.
        let holdsLecture = lease.current == .lecture
        switch outcome {
        case .success(.handedOver(let parts)):
            logger.info("split into parts", metadata: ["videoParts": "\(parts)"])
            await deleteMessage(message, logger: logger)
        case .success(.partDone(let part)):
            environment.metrics.jobsSucceeded.increment()
            logger.info("part done", metadata: ["part": "\(part)"])
            await deleteMessage(message, logger: logger)
        case .success(.published(var timings)):
            environment.metrics.jobsSucceeded.increment()
            let deleteStarted = ContinuousClock.now
            await deleteMessage(message, logger: logger)
            timings.delete = (ContinuousClock.now - deleteStarted).seconds
            // One line per job with where its time went: ops (and the benchmark) read the share outside the encode.
            logger.info("published", metadata: timings.metadata)
            // After the lecture is ready and its message gone: one conditional write and one send, no Transcribe call.
            await environment.captionDrafts?.begin(lectureID: job.lectureID, version: job.outputVersion)
            if let slides = timings.slideIndexing { await indexSlides(slides, logger: logger) }
            await mailOutcome(.ready, lectureID: job.lectureID, version: job.outputVersion, logger: logger)
        case .failure(let error as LostOwnership):
            logger.warning("stopped: \(error)")
        case .failure(let error as TranscodeError) where error.isPermanent:
            // The same file fails the same way: the lecture offers no Retry.
            await failPermanently(
                message,
                job: job,
                reason: Self.partContext(job) + error.reason,
                claimed: holdsLecture,
                retryable: false,
                logger: logger
            )
        case .failure(let error) where cancelled:
            // Shutdown past its grace: hand the job to another worker at once.
            logger.notice("released at shutdown", metadata: ["error": "\(error)"])
            await release(job, lease: lease, stage: "released at shutdown")
            do {
                try await sqs.changeMessageVisibility(
                    configuration.queueURL,
                    receiptHandle: message.receiptHandle,
                    visibilityTimeout: 0
                )
            } catch { logger.warning("could not release the message", metadata: ["error": "\(error)"]) }
        case .failure(let error):
            await retryLater(
                message,
                job: job,
                attempts: attempts,
                reason: Self.partContext(job) + Self.readable(error),
                lease: lease,
                logger: logger
            )
        }
    }

    /// Gives back whatever lease this worker holds for `job`, so the next delivery can start at once.
    private func release(_ job: JobMessage, lease: LeaseHolder, stage: String) async {
        switch lease.current {
        case .lecture where job.part != nil:
            // A part's worker that was stitching: the lecture stays with its complete plan for the next delivery.
            _ = try? await store.releaseStitch(
                job.lectureID,
                version: job.outputVersion,
                workerID: configuration.workerID
            )
        case .lecture:
            _ = try? await store.release(job.lectureID, workerID: configuration.workerID, stage: stage)
        case .part(let part):
            _ = try? await store.releasePart(
                job.lectureID,
                version: job.outputVersion,
                part: part,
                workerID: configuration.workerID
            )
        case .none:
            break
        }
    }

    /// "Part 3 of 20: " before a part's failure reason, so the professor reads which stretch failed.
    static func partContext(_ job: JobMessage) -> String {
        guard let part = job.part else { return "" }
        switch part.part {
        case .audio: return "The lecture's sound: "
        case .video(let index): return "Part \(index + 1) of \(part.chunkCount): "
        }
    }

    /// Download, transcode, upload, publish, in a scratch folder of its own (locked while the job lives, removed
    /// on every outcome). Answers the lecture's duration and the time each stage took.
    private func encodeAndPublish(
        _ job: JobMessage,
        scratch name: String,
        progress: JobProgress,
        logger: Logger
    ) async throws -> JobTimings {
        let folder = try scratchFolder(name)
        defer { folder.remove() }
        let scratch = folder.path
        let fileManager = FileManager.default
        let sourcePath = scratch + "/source"
        let outputDirectory = scratch + "/out"
        try fileManager.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        var timings = JobTimings()
        let clock = ContinuousClock()

        progress.update(percent: 0, stage: "downloading")
        var stageStarted = clock.now
        let info = try await environment.s3.headObject(bucket: configuration.bucket, key: job.sourceKey)
        let needed = Int64(Double(info.objectSize) * configuration.scratchSizeFactor)
        guard environment.scratch.reserve(needed) else {
            throw RetryLater(
                description:
                    "not enough scratch space: \(needed) bytes needed, \(environment.scratch.unreservedBytes ?? 0) free"
            )
        }
        defer { environment.scratch.release(needed) }
        try await environment.s3.getObject(bucket: configuration.bucket, key: job.sourceKey, toFile: sourcePath)
        environment.metrics.bytesIn.increment(by: info.objectSize)
        timings.download = (clock.now - stageStarted).seconds
        environment.metrics.downloadSeconds.record(timings.download)

        progress.update(percent: 1, stage: "encoding")
        stageStarted = clock.now
        let plan = await plan(for: job, logger: logger)
        let manifest = try await environment.transcoder.transcode(
            input: sourcePath,
            outputDirectory: outputDirectory,
            plan: plan
        ) { update in
            progress.update(percent: 1 + update.fraction * 89, stage: "encoding")
        }
        timings.transcode = (clock.now - stageStarted).seconds
        environment.metrics.encodeSeconds.record(timings.transcode)
        try? fileManager.removeItem(atPath: sourcePath)

        progress.update(percent: 90, stage: "uploading")
        stageStarted = clock.now
        let prefix = ObjectKeys.renditionPrefix(lectureID: job.lectureID, version: job.outputVersion)
        let uploaded = try await OutputUploader(s3: environment.s3, bucket: configuration.bucket)
            .upload(directory: outputDirectory, prefix: prefix, files: manifest.files.map(\.path)) { done, total in
                progress.update(percent: 90 + 9 * Double(done) / Double(max(1, total)), stage: "uploading")
            }
        environment.metrics.bytesOut.increment(by: uploaded)
        timings.upload = (clock.now - stageStarted).seconds
        environment.metrics.uploadSeconds.record(timings.upload)

        try await publish(
            job,
            prefix: prefix,
            manifest: manifest,
            slideLanguage: plan.slideTextLanguage,
            progress: progress,
            timings: &timings
        )
        timings.bytesIn = info.objectSize
        timings.bytesOut = uploaded
        return timings
    }

    /// processing → ready for the uploaded outputs (a whole encode's or a stitch's), conditional on this worker's
    /// lease on the lecture; records the publish's time and what follows it needs (slide indexing, in the language
    /// the slides were read in).
    func publish(
        _ job: JobMessage,
        prefix: String,
        manifest: TranscodeManifest,
        slideLanguage: String,
        progress: JobProgress,
        timings: inout JobTimings
    ) async throws {
        let started = ContinuousClock.now
        let published: LectureRecord
        progress.markPublishing()
        do {
            published = try await store.publish(
                job.lectureID,
                version: job.outputVersion,
                prefix: prefix,
                durationSeconds: manifest.duration,
                workerID: configuration.workerID
            )
        } catch let conflict as LectureStore.Conflict {
            throw LostOwnership(lectureID: conflict.lectureID)
        }
        timings.publish = (ContinuousClock.now - started).seconds
        environment.metrics.publishSeconds.record(timings.publish)
        timings.slideIndexing = SlideIndexing(
            slides: manifest.slides,
            record: published,
            plannedLanguage: slideLanguage
        )
        timings.lectureSeconds = manifest.duration
    }

    /// Until cancelled: hides the message again well before it would reappear, and extends the lease with the
    /// latest progress. The lease is always written before the visibility is extended, so after a crash the lease
    /// has lapsed by the time the message is delivered again. Throws `LostOwnership` when the lease is gone.
    private func keepAlive(
        _ job: JobMessage,
        message: SQSMessage,
        receivedAt: Date,
        progress: JobProgress,
        lease: LeaseHolder,
        logger: Logger
    ) async throws {
        let visibility = configuration.visibilitySeconds
        let beat = Duration.milliseconds(visibility * 1_000 / 3)
        let tick = min(beat, max(.milliseconds(200), configuration.progressInterval))
        let clock = ContinuousClock()
        var lastBeat = clock.now - beat
        var lastProgress = clock.now
        var beats = 0
        while true {
            if progress.isPublishing {
                try await Task.sleep(for: tick)
                continue
            }
            let now = clock.now
            let beatDue = now - lastBeat >= beat
            let snapshot = progress.snapshot()
            let progressDue = snapshot.changed && now - lastProgress >= configuration.progressInterval
            let held = lease.current
            if beatDue || progressDue, held != .none {
                do {
                    switch held {
                    case .lecture, .none:
                        try await store.heartbeat(
                            job.lectureID,
                            workerID: configuration.workerID,
                            leaseSeconds: Double(visibility) - 1,
                            percent: snapshot.percent,
                            stage: snapshot.stage
                        )
                    case .part(let part):
                        // A part's progress stays its own; the lecture shows parts done (`LectureSplit`).
                        try await store.heartbeatPart(
                            job.lectureID,
                            version: job.outputVersion,
                            part: part,
                            workerID: configuration.workerID,
                            leaseSeconds: Double(visibility) - 1
                        )
                    }
                    progress.markWritten(snapshot)
                    lastProgress = now
                } catch is LectureStore.Conflict {
                    // The lease this worker holds changed while the write was in flight (a part completed, the
                    // stitch was claimed, the plan handed over): not a loss.
                    if progress.isPublishing || lease.current != held { continue }
                    throw LostOwnership(lectureID: job.lectureID)
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    logger.warning("heartbeat write failed", metadata: ["error": "\(error)"])
                }
            }
            if beatDue {
                // SQS keeps a message hidden at most 12 hours after its receipt.
                let remaining = SQSLimits.maxVisibilityTimeoutSeconds - Int(Date().timeIntervalSince(receivedAt)) - 1
                let extend = min(visibility, remaining)
                if extend > 0 {
                    do {
                        try await sqs.changeMessageVisibility(
                            configuration.queueURL,
                            receiptHandle: message.receiptHandle,
                            visibilityTimeout: extend
                        )
                    } catch {
                        if Task.isCancelled { throw CancellationError() }
                        logger.warning("visibility extension failed", metadata: ["error": "\(error)"])
                    }
                }
                lastBeat = now
                beats += 1
                if beats % 10 == 0 { await environment.protection?.renew() }
            }
            try await Task.sleep(for: tick)
        }
    }

    // MARK: Caption drafts

    private func handleCaptionDraft(
        _ message: SQSMessage,
        draft: Result<CaptionDraftMessage, JobMessage.DecodingProblem>,
        logger: Logger
    ) async {
        switch draft {
        case .failure(let problem):
            await reject(message, reason: problem.description, logger: logger)
        case .success(let draft):
            guard let runner = environment.captionDrafts else {
                // The engine was turned off since the draft began: the lecture shows it failed at its deadline.
                logger.notice(
                    "caption drafts are off on this worker; dropping the draft message",
                    metadata: ["lectureId": "\(draft.lectureID)"]
                )
                await deleteMessage(message, logger: logger)
                return
            }
            await runner.handle(message, draft: draft)
        }
    }

    // MARK: Settling messages

    /// A message that is not a job we can read: straight to the DLQ with the reason, never retried.
    private func reject(_ message: SQSMessage, reason: String, logger: Logger) async {
        environment.metrics.jobsRejected.increment()
        logger.error("rejected message", metadata: ["reason": "\(reason)"])
        await copyToDeadLetterQueue(message, reason: reason, lectureID: nil, logger: logger)
        await deleteMessage(message, logger: logger)
    }

    /// A job message that names a usable lecture but whose fields are unusable: the lecture's record (if it has one
    /// for this encode and is not done) says why in words a professor can read, the DLQ copy carries the same
    /// reason and the detail for ops, and the message is deleted — retrying would not make it valid.
    private func rejectInvalid(
        _ message: SQSMessage,
        lectureID: String,
        version: String?,
        problem: JobValidation.Problem,
        logger: Logger
    ) async {
        environment.metrics.jobsRejected.increment()
        logger.error("rejected invalid job", metadata: ["reason": "\(problem.detail)"])
        await copyToDeadLetterQueue(
            message,
            reason: problem.reason,
            lectureID: lectureID,
            detail: problem.detail,
            logger: logger
        )
        do {
            let failed = try await store.failInvalidJob(lectureID, version: version, reason: problem.reason)
            await mailOutcome(.failed, record: failed, logger: logger)
        } catch let conflict as LectureStore.Conflict {
            logger.notice(
                "the lecture's record was left as it is",
                metadata: ["record": "\(conflict.current?.state.rawValue ?? "none")"]
            )
        } catch {
            logger.warning("could not mark the lecture failed", metadata: ["error": "\(error)"])
        }
        await deleteMessage(message, logger: logger)
    }

    /// The claim did not apply: decide from the record what this delivery is.
    private func settleUnclaimable(
        _ message: SQSMessage,
        job: JobMessage,
        current: LectureRecord?,
        logger: Logger
    ) async {
        guard let current else {
            await failPermanently(
                message,
                job: job,
                reason: "The lecture's record does not exist.",
                claimed: false,
                logger: logger
            )
            return
        }
        if current.hasExhaustedAttempts(of: job.outputVersion, limit: configuration.maxEncodeAttempts) {
            await failExhausted(message, job: job, attempts: current.attempts, logger: logger)
            return
        }
        if current.jobVersion != job.outputVersion {
            environment.metrics.duplicatesSkipped.increment()
            logger.info(
                "superseded by a newer encode; deleting",
                metadata: ["current": "\(current.jobVersion ?? "none")"]
            )
            await deleteMessage(message, logger: logger)
            return
        }
        switch current.state {
        case .ready, .failed:
            environment.metrics.duplicatesSkipped.increment()
            logger.info("already \(current.state.rawValue); deleting the duplicate delivery")
            await deleteMessage(message, logger: logger)
        case .processing where current.workerId == nil && current.split?.outputVersion == job.outputVersion:
            // Handed over to its parts (a split plan), and this is the whole job again: a duplicate, or the
            // message of a planner that died while sending the parts. Send every part not done again (a duplicate
            // part is absorbed by its claim) and delete this one: the parts carry the lecture from here.
            await resendParts(message, job: job, split: current.split, logger: logger)
        case .processing:
            // Held by a live worker. Deleting could lose the job if that worker dies (SQS may deliver one
            // message twice, and the holder's receipt handle then no longer deletes it), so hide this copy
            // until just after the lease: by then the job is done (and the copy is deleted) or claimable.
            environment.metrics.duplicatesSkipped.increment()
            let delay = Self.hidingDelay(until: current.leaseExpiresAt)
            logger.info("held by \(current.workerId ?? "another worker"); hiding this delivery for \(delay) s")
            await changeVisibility(message, seconds: delay, logger: logger)
        case .queued, .awaitingUpload:
            // A write raced ours, or the API has not finished enqueueing: try again after a backoff, so a record
            // stuck here ends in the DLQ through the redrive policy rather than spinning.
            let delay = Self.retryDelay(
                receives: message.receiveCount ?? 1,
                base: configuration.retryBaseDelaySeconds,
                max: configuration.maxRetryDelaySeconds
            )
            logger.info("not claimable yet (\(current.state.rawValue)); retrying in \(delay) s")
            await changeVisibility(message, seconds: delay, logger: logger)
        }
    }

    /// A delivery of a lecture that already started its last allowed encode, and nobody holds it (its workers died
    /// or were stopped): the record says so in words a professor can act on, a copy goes to the DLQ with the same
    /// reason, and the message is deleted. Retry starts a new count.
    private func failExhausted(_ message: SQSMessage, job: JobMessage, attempts: Int, logger: Logger) async {
        let reason = JobLimits.exhaustedReason(attempts: attempts)
        environment.metrics.jobsFailedPermanently.increment()
        logger.error("attempts used up; failing the lecture", metadata: ["attempts": "\(attempts)"])
        await copyToDeadLetterQueue(message, reason: reason, lectureID: job.lectureID, logger: logger)
        do {
            let failed = try await store.failUnattended(job.lectureID, version: job.outputVersion, reason: reason)
            await mailOutcome(.failed, record: failed, logger: logger)
        } catch let conflict as LectureStore.Conflict {
            logger.notice(
                "the lecture's record moved on; left as it is",
                metadata: ["record": "\(conflict.current?.state.rawValue ?? "none")"]
            )
        } catch {
            logger.warning("could not mark the lecture failed", metadata: ["error": "\(error)"])
        }
        await deleteMessage(message, logger: logger)
    }

    /// A transient failure: back off, or give up once the lecture used its last attempt (`attempts`, nil when the
    /// claim itself failed) or the redrive policy is about to move the message anyway.
    func retryLater(
        _ message: SQSMessage,
        job: JobMessage,
        attempts: Int?,
        reason: String,
        lease: LeaseHolder? = nil,
        logger: Logger
    ) async {
        environment.metrics.jobsFailedTransiently.increment()
        // Whether this worker holds the lecture itself (a part's worker fails it as an unattended write).
        let claimed = attempts != nil && (lease?.current ?? .lecture) == .lecture
        let receives = message.receiveCount ?? 1
        if let attempts, attempts >= configuration.maxEncodeAttempts {
            await failPermanently(
                message,
                job: job,
                reason: "Gave up after \(attempts) attempts: \(reason)",
                claimed: claimed,
                logger: logger
            )
            return
        }
        if receives >= environment.maxReceiveCount {
            let why = "Gave up after \(receives) attempts: \(reason)"
            if environment.queueHasRedrive {
                // SQS moves the message to the DLQ on its next receive; only the record needs the reason.
                logger.error(
                    "giving up; the redrive policy moves the message to the DLQ",
                    metadata: ["reason": "\(reason)"]
                )
                await failRecord(job, reason: why, claimed: claimed, logger: logger)
                await changeVisibility(message, seconds: 0, logger: logger)
            } else {
                await failPermanently(message, job: job, reason: why, claimed: claimed, logger: logger)
            }
            return
        }
        let delay = Self.retryDelay(
            receives: receives,
            base: configuration.retryBaseDelaySeconds,
            max: configuration.maxRetryDelaySeconds
        )
        logger.warning(
            "transient failure; retrying in \(delay) s",
            metadata: ["reason": "\(reason)", "receiveCount": "\(receives)"]
        )
        if let lease {
            await release(job, lease: lease, stage: "retrying")
        } else if claimed {
            _ = try? await store.release(job.lectureID, workerID: configuration.workerID, stage: "retrying")
        }
        await changeVisibility(message, seconds: delay, logger: logger)
    }

    /// A failure retrying cannot fix: the record says why, a copy goes to the DLQ, the message is deleted.
    func failPermanently(
        _ message: SQSMessage,
        job: JobMessage,
        reason: String,
        claimed: Bool,
        retryable: Bool = true,
        logger: Logger
    ) async {
        environment.metrics.jobsFailedPermanently.increment()
        logger.error("failed permanently", metadata: ["reason": "\(reason)"])
        await copyToDeadLetterQueue(message, reason: reason, lectureID: job.lectureID, logger: logger)
        await failRecord(job, reason: reason, claimed: claimed, retryable: retryable, logger: logger)
        await deleteMessage(message, logger: logger)
    }

    private func failRecord(
        _ job: JobMessage,
        reason: String,
        claimed: Bool,
        retryable: Bool = true,
        logger: Logger
    ) async {
        do {
            let failed = try await store.fail(
                job.lectureID,
                version: job.outputVersion,
                reason: reason,
                workerID: claimed ? configuration.workerID : nil,
                retryable: retryable
            )
            await mailOutcome(.failed, record: failed, logger: logger)
        } catch {
            logger.warning("could not mark the lecture failed", metadata: ["error": "\(error)"])
        }
    }

    private func copyToDeadLetterQueue(
        _ message: SQSMessage,
        reason: String,
        lectureID: String?,
        detail: String? = nil,
        logger: Logger
    ) async {
        guard let dlq = environment.deadLetterQueueURL else {
            logger.error("no dead-letter queue configured; the message is dropped", metadata: ["reason": "\(reason)"])
            return
        }
        var attributes: [String: SQSMessageAttributeValue] = [
            "FailureReason": .string(String(reason.prefix(1_000))), "WorkerId": .string(configuration.workerID),
            "SourceMessageId": .string(message.messageID),
        ]
        if let lectureID { attributes["LectureId"] = .string(lectureID) }
        if let detail { attributes["FailureDetail"] = .string(String(detail.prefix(1_000))) }
        do {
            try await sqs.sendMessage(dlq, body: message.body, messageAttributes: attributes)
        } catch {
            logger.error("could not copy the message to the DLQ", metadata: ["error": "\(error)"])
        }
    }

    func deleteMessage(_ message: SQSMessage, logger: Logger) async {
        do { try await sqs.deleteMessage(configuration.queueURL, receiptHandle: message.receiptHandle) } catch {
            logger.warning("could not delete the message", metadata: ["error": "\(error)"])
        }
    }

    func changeVisibility(_ message: SQSMessage, seconds: Int, logger: Logger) async {
        do {
            try await sqs.changeMessageVisibility(
                configuration.queueURL,
                receiptHandle: message.receiptHandle,
                visibilityTimeout: seconds
            )
        } catch {
            logger.warning("could not change the message's visibility", metadata: ["error": "\(error)"])
        }
    }

    /// Seconds to hide a message after its `receives`-th delivery failed: base × 2^(receives − 1), capped at
    /// `max`, plus up to a quarter more at random so jobs that failed together do not retry together.
    static func retryDelay(receives: Int, base: Int, max maximum: Int) -> Int {
        let exponent = min(20, max(0, receives - 1))
        let backoff = min(maximum, base << exponent)
        return min(SQSLimits.maxVisibilityTimeoutSeconds, backoff + Int.random(in: 0...max(0, backoff / 4)))
    }

    static func readable(_ error: any Error) -> String {
        if let error = error as? AWSError { return "\(error.service) \(error.code): \(error.message)" }
        return "\(error)"
    }

    /// Runs `body` in a task that does not inherit the caller's cancellation: settling a message after
    /// shutdown cancelled the job must still reach SQS.
    static func uncancelled(_ body: @escaping @Sendable () async -> Void) async {
        await Task { await body() }.value
    }
}

/// Which lease a running job's heartbeat extends: the lecture's (a whole job, a plan before its hand-over, a
/// stitch), one part's, or none (between a plan's hand-over or a part's completion and what follows). The work
/// changes it before the write that changes the lease, so a heartbeat in flight across that write is not taken for
/// a lost job.
final class LeaseHolder: Sendable {
    enum Held: Sendable, Equatable {
        case lecture
        case part(SplitPart)
        case none
    }

    private let held: Mutex<Held>
    init(_ held: Held) { self.held = Mutex(held) }
    var current: Held { held.withLock { $0 } }
    func set(_ value: Held) { held.withLock { $0 = value } }
}

/// The latest progress of a running job, written by the transcoder's callback and read by the heartbeat.
final class JobProgress: Sendable {
    struct Snapshot: Sendable {
        var percent: Double
        var stage: String
        var changed: Bool
        var generation: Int
    }

    private let state = Mutex(Snapshot(percent: 0, stage: "claimed", changed: false, generation: 0))
    /// Set just before the publish write. From then on the record leaves `processing`, so a heartbeat that finds
    /// its lease gone is not a lost job (a takeover makes the publish itself fail with `LostOwnership`). Without
    /// it a heartbeat in flight across the publish ended a published job as "stopped": its message was left to be
    /// deleted as a duplicate, and what follows a publish (caption draft, outcome mail, slide indexing) was skipped.
    private let publishing = Mutex(false)

    func markPublishing() { publishing.withLock { $0 = true } }
    var isPublishing: Bool { publishing.withLock { $0 } }

    func update(percent: Double, stage: String) {
        state.withLock {
            let rounded = (percent * 10).rounded() / 10
            if rounded != $0.percent || stage != $0.stage {
                $0.percent = rounded
                $0.stage = stage
                $0.changed = true
                $0.generation += 1
            }
        }
    }

    func snapshot() -> Snapshot { state.withLock { $0 } }

    func markWritten(_ snapshot: Snapshot) {
        state.withLock { if $0.generation == snapshot.generation { $0.changed = false } }
    }
}

// MARK: Outcome e-mail (after the lecture's own write; its answer is only logged)

extension JobRunner {
    fileprivate func mailOutcome(_ outcome: LectureOutcome, lectureID: String, version: String, logger: Logger) async {
        guard environment.outcomeMail != nil else { return }
        guard let record = try? await store.get(lectureID), record.jobVersion == version else { return }
        await mailOutcome(outcome, record: record, logger: logger)
    }

    fileprivate func mailOutcome(_ outcome: LectureOutcome, record: LectureRecord, logger: Logger) async {
        guard let notifier = environment.outcomeMail else { return }
        let delivery = await notifier.notify(outcome, record: record)
        logger.log(
            level: delivery.isProblem ? .warning : .info,
            "outcome e-mail",
            metadata: ["outcome": "\(outcome.rawValue)", "mail": "\(delivery.summary)"]
        )
    }
}
