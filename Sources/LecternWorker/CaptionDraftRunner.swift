import AWS
import Foundation
import LecternCore
import Logging

/// Moves automatic caption drafts forward, one queue message at a time, so a draft survives any worker's death:
/// nothing about it lives in a worker's memory between two messages.
///
/// The life of a draft (`CaptionDraftState`):
/// 1. After a publish, `begin` records `pending` (conditional on the lecture being `ready` on that version) and
///    sends a `start` message. Nothing here calls Transcribe, so the draft never delays `ready`.
/// 2. A `start` message starts the Transcribe job (its name fixed by lecture and version, so a repeat is harmless),
///    records `running`, sends the first `poll` delayed, then deletes itself.
/// 3. A `poll` asks Transcribe: still working → the next poll, delayed twice as long (at most 900 s, SQS's limit);
///    `COMPLETED` → the VTT is read from our bucket, imported (`MachineCaptionImporter`), `ready`; `FAILED` →
///    `failed` with Transcribe's reason. The next message is sent before this one is deleted: a death in between
///    leaves a duplicate poll, never none.
/// 4. A Transcribe or S3 error that may pass (throttling, 5xx, connection) queues the same step again with a
///    backoff (a new message, so SQS's redrive count never sends a draft to the DLQ); a retry that would land past
///    the draft's deadline fails the draft with words instead. Should every message be
///    lost (purged, an old worker's DLQ), readers apply the deadline themselves (`CaptionDraft.effective`).
/// The lecture is never written except its `captionDraft`, so a Transcribe outage fails only the draft.
public struct CaptionDraftRunner: Sendable {
    let settings: CaptionDraftSettings
    let transcribe: TranscribeClient
    let sqs: SQSClient
    let s3: S3Client
    let store: LectureStore
    let queueURL: String
    let bucket: String
    let importer: any MachineCaptionImporter
    let logger: Logger
    /// Backoff after a transient error: base × 2^retries, at most `maxRetryDelaySeconds` (and SQS's 900).
    let retryBaseDelaySeconds: Int
    let maxRetryDelaySeconds: Int

    /// The longest WebVTT read into memory: a four-hour lecture's draft is about 0.5 MB.
    static let maxVTTBytes: Int64 = 8 << 20

    public init(
        settings: CaptionDraftSettings,
        transcribe: TranscribeClient,
        sqs: SQSClient,
        s3: S3Client,
        store: LectureStore,
        queueURL: String,
        bucket: String,
        importer: any MachineCaptionImporter = KeepDraftInBucket(),
        logger: Logger,
        retryBaseDelaySeconds: Int = 10,
        maxRetryDelaySeconds: Int = 900
    ) {
        self.settings = settings
        self.transcribe = transcribe
        self.sqs = sqs
        self.s3 = s3
        self.store = store
        self.queueURL = queueURL
        self.bucket = bucket
        self.importer = importer
        self.logger = logger
        self.retryBaseDelaySeconds = retryBaseDelaySeconds
        self.maxRetryDelaySeconds = maxRetryDelaySeconds
    }

    /// Transcribe's job name for a draft: `lectern-<lecture>-<version>` (65 characters for ids `ObjectKeys` makes;
    /// the IAM policy allows only jobs named `lectern-*`).
    public static func jobName(lectureID: String, version: String) -> String {
        String("lectern-\(lectureID)-\(version)".prefix(TranscribeClient.maxJobNameLength))
    }

    /// Where Transcribe writes the transcript (`…/transcribe.json`) and the subtitles (`…/transcribe.vtt`).
    public static func outputKey(lectureID: String, version: String) -> String {
        ObjectKeys.captionsPrefix(lectureID: lectureID, version: version) + "transcribe.json"
    }

    /// The media Transcribe reads: the published MP4 (H.264 + AAC, a remux the transcoder always writes). The
    /// source could be any container FFmpeg reads (MOV, MKV, AVI…), of which Transcribe takes only MP4, WebM, OGG
    /// and plain audio files.
    public static func mediaKey(lectureID: String, version: String) -> String {
        ObjectKeys.renditionPrefix(lectureID: lectureID, version: version) + "download.mp4"
    }

    // MARK: Beginning

    /// Records a pending draft for the version just published and queues its start. Never throws: a draft that
    /// cannot begin is logged, and the lecture then says no draft was asked for.
    public func begin(lectureID: String, version: String, now: Date = Date()) async {
        do {
            try await store.beginCaptionDraft(
                lectureID,
                version: version,
                deadline: now.addingTimeInterval(Double(settings.maxWaitSeconds)),
                now: now
            )
        } catch is LectureStore.Conflict {
            return
        } catch {
            logger.warning(
                "could not record the caption draft",
                metadata: ["lectureId": "\(lectureID)", "error": "\(error)"]
            )
            return
        }
        do {
            try await sqs.sendMessage(
                queueURL,
                body: CaptionDraftMessage(lectureID: lectureID, outputVersion: version, step: .start).encoded()
            )
        } catch {
            // The draft stays pending until its deadline, when readers show it failed.
            logger.warning(
                "could not queue the caption draft",
                metadata: ["lectureId": "\(lectureID)", "error": "\(error)"]
            )
        }
    }

    // MARK: Handling a message

    /// What became of one draft message: for tests and logs.
    public enum Outcome: Sendable, Equatable {
        case started
        case stillRunning(nextPollSeconds: Int)
        case ready
        case failed(String)
        /// The message was stale (another version, a finished draft): deleted.
        case dropped
        /// A transient error: the message comes back after `seconds`.
        case retrying(seconds: Int)
    }

    @discardableResult
    public func handle(_ message: SQSMessage, draft: CaptionDraftMessage, now: Date = Date()) async -> Outcome {
        var logger = logger
        logger[metadataKey: "lectureId"] = "\(draft.lectureID)"
        logger[metadataKey: "version"] = "\(draft.outputVersion)"
        logger[metadataKey: "captionStep"] = "\(draft.step.rawValue)"
        let outcome: Outcome
        do {
            outcome = try await advance(draft, now: now, logger: logger)
        } catch {
            return await transientFailure(draft, message: message, error: error, now: now, logger: logger)
        }
        if case .retrying = outcome { return outcome }
        await deleteMessage(message, logger: logger)
        return outcome
    }

    private func advance(_ message: CaptionDraftMessage, now: Date, logger: Logger) async throws -> Outcome {
        guard let record = try await store.get(message.lectureID), record.jobVersion == message.outputVersion,
            let draft = record.captionDraft, draft.version == message.outputVersion, !draft.state.isFinal
        else {
            logger.info("caption draft message is stale; dropping")
            return .dropped
        }
        if now > draft.deadline {
            return await finish(
                draft,
                lectureID: message.lectureID,
                state: .failed,
                detail: CaptionDraftWords.timedOut,
                logger: logger
            )
        }
        switch message.step {
        case .start:
            return try await start(message, draft: draft, course: record.courseId, logger: logger)
        case .poll:
            return try await poll(message, draft: draft, logger: logger)
        }
    }

    private func start(
        _ message: CaptionDraftMessage,
        draft: CaptionDraft,
        course: String,
        logger: Logger
    ) async throws -> Outcome {
        let name = Self.jobName(lectureID: message.lectureID, version: message.outputVersion)
        let request = TranscriptionJobRequest(
            name: name,
            mediaURI: "s3://\(bucket)/\(Self.mediaKey(lectureID: message.lectureID, version: message.outputVersion))",
            mediaFormat: "mp4",
            outputBucket: bucket,
            outputKey: Self.outputKey(lectureID: message.lectureID, version: message.outputVersion),
            language: try await language(course: course)
        )
        do {
            let outcome = try await transcribe.startTranscriptionJob(request)
            logger.info("transcription job started", metadata: ["job": "\(name)", "outcome": "\(outcome)"])
        } catch let error as AWSError where !error.isRetryable {
            return await finish(
                draft,
                lectureID: message.lectureID,
                state: .failed,
                detail: CaptionDraftWords.failed("the speech service refused the job (\(error.code))."),
                logger: logger
            )
        }
        var running = draft
        running.state = .running
        running.jobName = name
        running.detail = CaptionDraftWords.running
        running.updatedAt = Date()
        do {
            try await store.updateCaptionDraft(message.lectureID, to: running, from: [.pending])
        } catch is LectureStore.Conflict {
            return .dropped
        }
        try await sendPoll(message, polls: 0)
        return .started
    }

    private func poll(_ message: CaptionDraftMessage, draft: CaptionDraft, logger: Logger) async throws -> Outcome {
        let name = draft.jobName ?? Self.jobName(lectureID: message.lectureID, version: message.outputVersion)
        let job: TranscriptionJob
        do {
            job = try await transcribe.transcriptionJob(named: name)
        } catch let error as AWSError where !error.isRetryable {
            return await finish(
                draft,
                lectureID: message.lectureID,
                state: .failed,
                detail: CaptionDraftWords.failed("the speech service lost the job (\(error.code))."),
                logger: logger
            )
        }
        switch job.status {
        case .queued, .inProgress:
            let delay = try await sendPoll(message, polls: message.polls + 1)
            return .stillRunning(nextPollSeconds: delay)
        case .failed:
            let reason =
                job.failureReason.map { "the speech service said: \($0.prefix(300))" }
                ?? "the speech service gave no reason."
            let outcome = await finish(
                draft,
                lectureID: message.lectureID,
                state: .failed,
                detail: CaptionDraftWords.failed(reason.hasSuffix(".") ? reason : reason + "."),
                logger: logger
            )
            await deleteJob(name, logger: logger)
            return outcome
        case .completed:
            let outcome = try await importFinished(job, message: message, draft: draft, logger: logger)
            await deleteJob(name, logger: logger)
            return outcome
        }
    }

    private func importFinished(
        _ job: TranscriptionJob,
        message: CaptionDraftMessage,
        draft: CaptionDraft,
        logger: Logger
    ) async throws -> Outcome {
        let prefix = ObjectKeys.captionsPrefix(lectureID: message.lectureID, version: message.outputVersion)
        guard
            let key = job.subtitleFileURIs.lazy.compactMap({ Self.key(inURI: $0, bucket: bucket) })
                .first(where: { $0.hasPrefix(prefix) && $0.hasSuffix(".vtt") })
        else {
            return await finish(
                draft,
                lectureID: message.lectureID,
                state: .failed,
                detail: CaptionDraftWords.failed("the speech service wrote no WebVTT file."),
                logger: logger
            )
        }
        let object = try await s3.getObject(bucket: bucket, key: key, range: 0...(Self.maxVTTBytes - 1))
        guard object.info.objectSize <= Self.maxVTTBytes else {
            return await finish(
                draft,
                lectureID: message.lectureID,
                state: .failed,
                detail: CaptionDraftWords.failed("the draft is larger than captions can be."),
                logger: logger
            )
        }
        let language = job.languageCode ?? draft.language
        let document = MachineCaptionDraft(
            lectureID: message.lectureID,
            version: message.outputVersion,
            language: language,
            label: MachineCaptionLabel.label(language: language),
            vtt: String(decoding: object.body, as: UTF8.self),
            key: key
        )
        do {
            try await importer.importDraft(document)
        } catch let error as AWSError where error.isRetryable {
            throw error
        } catch {
            return await finish(
                draft,
                lectureID: message.lectureID,
                state: .failed,
                detail: CaptionDraftWords.failed("\(error)"),
                logger: logger
            )
        }
        var ready = draft
        ready.language = language
        ready.vttKey = key
        return await finish(
            ready,
            lectureID: message.lectureID,
            state: .ready,
            detail: CaptionDraftWords.ready,
            logger: logger
        )
    }

    /// The object key in an S3 URI Transcribe answers: `https://s3.<region>.amazonaws.com/<bucket>/<key>`,
    /// `https://<bucket>.s3.<region>.amazonaws.com/<key>` or `s3://<bucket>/<key>`; nil when it is not in `bucket`.
    static func key(inURI uri: String, bucket: String) -> String? {
        guard let components = URLComponents(string: uri), let host = components.host else { return nil }
        let path = components.percentEncodedPath.removingPercentEncoding ?? components.percentEncodedPath
        if components.scheme == "s3" {
            return host == bucket ? String(path.drop { $0 == "/" }) : nil
        }
        guard components.scheme == "https" || components.scheme == "http" else { return nil }
        if host.hasPrefix(bucket + ".s3.") || host.hasPrefix(bucket + ".s3-") {
            return String(path.drop { $0 == "/" })
        }
        let marker = "/\(bucket)/"
        guard path.hasPrefix(marker) else { return nil }
        return String(path.dropFirst(marker.count))
    }

    /// The language Transcribe is told: the course's caption language when its professor set one (read at the start
    /// of every draft, so a change applies to the next upload), else the deployment's languages.
    private func language(course: String) async throws -> TranscriptionLanguage {
        let chosen = try await CourseStore(store).get(course)?.captionLanguage
        return Self.transcriptionLanguage(courseLanguage: chosen, configured: settings.languages)
    }

    @discardableResult
    private func sendPoll(_ message: CaptionDraftMessage, polls: Int) async throws -> Int {
        let delay = settings.pollDelay(polls: polls)
        let next = CaptionDraftMessage(
            lectureID: message.lectureID,
            outputVersion: message.outputVersion,
            step: .poll,
            polls: polls
        )
        try await sqs.sendMessage(queueURL, body: next.encoded(), delaySeconds: delay)
        return delay
    }

    /// Writes a final state; a conflict means another delivery finished first, which is as good.
    private func finish(
        _ draft: CaptionDraft,
        lectureID: String,
        state: CaptionDraftState,
        detail: String,
        logger: Logger
    ) async -> Outcome {
        var final = draft
        final.state = state
        final.detail = detail
        final.updatedAt = Date()
        do {
            try await store.updateCaptionDraft(lectureID, to: final, from: [.pending, .running])
            logger.info("caption draft \(state.rawValue)", metadata: ["detail": "\(detail)"])
        } catch {
            logger.notice("caption draft already settled", metadata: ["error": "\(error)"])
        }
        return state == .ready ? .ready : .failed(detail)
    }

    private func transientFailure(
        _ message: CaptionDraftMessage,
        message sqsMessage: SQSMessage,
        error: any Error,
        now: Date,
        logger: Logger
    ) async -> Outcome {
        let delay = min(
            900,
            JobRunner.retryDelay(receives: message.retries + 1, base: retryBaseDelaySeconds, max: maxRetryDelaySeconds)
        )
        let why = JobRunner.readable(error)
        // A retry that would come after the deadline fails the draft now, with the outage's words rather than
        // "took too long"; the lecture itself is never touched.
        if let record = try? await store.get(message.lectureID), let draft = record.captionDraft,
            draft.version == message.outputVersion,
            !draft.state.isFinal, now.addingTimeInterval(Double(delay)) > draft.deadline
        {
            let outcome = await finish(
                draft,
                lectureID: message.lectureID,
                state: .failed,
                detail: CaptionDraftWords.failed("the speech service did not answer in time."),
                logger: logger
            )
            logger.warning("caption draft given up after errors", metadata: ["error": "\(why)"])
            await deleteMessage(sqsMessage, logger: logger)
            return outcome
        }
        logger.warning(
            "caption draft step failed; retrying",
            metadata: ["error": "\(why)", "retryInSeconds": "\(delay)"]
        )
        var retry = message
        retry.retries += 1
        do {
            // A fresh message (receive count 1) rather than this one hidden again: see `CaptionDraftMessage.retries`.
            try await sqs.sendMessage(queueURL, body: retry.encoded(), delaySeconds: delay)
            await deleteMessage(sqsMessage, logger: logger)
        } catch {
            // SQS itself is failing: let this message come back instead.
            logger.warning("could not queue the retry; the message comes back", metadata: ["error": "\(error)"])
            try? await sqs.changeMessageVisibility(
                queueURL,
                receiptHandle: sqsMessage.receiptHandle,
                visibilityTimeout: delay
            )
        }
        return .retrying(seconds: delay)
    }

    private func deleteJob(_ name: String, logger: Logger) async {
        do { try await transcribe.deleteTranscriptionJob(named: name) } catch {
            logger.notice("could not delete the transcription job", metadata: ["job": "\(name)", "error": "\(error)"])
        }
    }

    private func deleteMessage(_ message: SQSMessage, logger: Logger) async {
        do { try await sqs.deleteMessage(queueURL, receiptHandle: message.receiptHandle) } catch {
            logger.warning("could not delete the message", metadata: ["error": "\(error)"])
        }
    }
}
