import AWS
import Foundation

/// Makes every job message in the dead-letter queue agree with its lecture. A message gets there three ways: SQS's
/// redrive policy (the `maxReceiveCount` backstop; nothing tells the lecture), the worker's own permanent-failure
/// path (the lecture already says why), or ops. For each one:
/// - its lecture, on that very job version, is still `queued` or `processing` with a lapsed lease → it becomes
///   `failed` with a reason a professor can act on (Retry), and the message stays as the record of why;
/// - the lecture is `ready`, was retried since (another job version), or is gone → the message is deleted: the DLQ
///   holds only lectures that say they failed;
/// - the lecture failed on that version, or a live worker holds it → the message stays.
/// Every write is conditional (`LectureStore.failUnattended`), so API tasks sweeping at once are safe.
public struct DeadLetterSweep: Sendable {
    public let sqs: SQSClient
    public let store: LectureStore
    public let deadLetterQueueURL: String
    /// Seconds a message stays hidden while a sweep looks at it; kept messages are made visible again at the end, so
    /// ops (and `lectern sqs redrive`) see them between sweeps.
    public var holdSeconds: Int
    /// Mails the uploader of a lecture this sweep fails; nil (or off) sends nothing.
    public var outcomeMail: LectureOutcomeNotifier?

    public init(
        sqs: SQSClient,
        store: LectureStore,
        deadLetterQueueURL: String,
        holdSeconds: Int = 60,
        outcomeMail: LectureOutcomeNotifier? = nil
    ) {
        self.sqs = sqs
        self.store = store
        self.deadLetterQueueURL = deadLetterQueueURL
        self.holdSeconds = holdSeconds
        self.outcomeMail = outcomeMail
    }

    /// What to do with one DLQ message, decided from the message and the lecture's record as it is now.
    public enum Action: Sendable, Equatable {
        /// Fail the lecture (conditionally) with this reason, keep the message.
        case failLecture(reason: String)
        /// Delete the message: its lecture is ready, retried since, or gone.
        case remove
        /// Leave it: the lecture already says it failed, or a live worker holds the job, or the body is not a job.
        case keep
    }

    public static func action(
        for job: JobMessage?,
        failureReason: String?,
        record: LectureRecord?,
        now: Date = Date()
    ) -> Action {
        guard let job else { return .keep }
        guard let record else { return .remove }
        guard record.jobVersion == job.outputVersion else { return .remove }
        // A split encode's part that another delivery finished (issue #15) is not the lecture's failure.
        if let part = job.part?.part, let split = record.split, split.outputVersion == job.outputVersion {
            switch part {
            case .audio where split.audioDone: return .remove
            case .video(let index) where split.done.contains(index): return .remove
            default: break
            }
        }
        switch record.state {
        case .ready: return .remove
        case .failed, .awaitingUpload: return .keep
        case .processing where (record.leaseExpiresAt ?? .distantPast) >= now: return .keep
        case .queued, .processing:
            if let failureReason, !failureReason.isEmpty { return .failLecture(reason: failureReason) }
            if record.attempts > 0 { return .failLecture(reason: JobLimits.exhaustedReason(attempts: record.attempts)) }
            return .failLecture(reason: "The encoding job could not be started. Select Retry to try again.")
        }
    }

    public struct Result: Sendable, Equatable {
        /// Lectures this sweep moved to `failed`.
        public var lecturesFailed = 0
        /// Messages deleted because their lecture is ready, retried or gone.
        public var removed = 0
        /// Messages left in the DLQ (their lecture says it failed, or is still held).
        public var kept = 0
        /// Messages or lectures the sweep could not settle this time (it tries again next time).
        public var errors = 0
        /// What happened to the outcome mail of each lecture this sweep failed (when mail is on).
        public var mails: [LectureOutcomeNotifier.Delivery] = []

        public init() {}
    }

    /// Looks at up to `maxMessages` DLQ messages once each.
    public func sweep(maxMessages: Int = 500, now: Date = Date()) async throws -> Result {
        var result = Result()
        var seen = Set<String>()
        var held: [SQSMessage] = []
        do {
            while seen.count < maxMessages {
                let batch = try await sqs.receiveMessages(
                    deadLetterQueueURL,
                    maxMessages: SQSClient.maxBatchSize,
                    waitTimeSeconds: 0,
                    visibilityTimeout: holdSeconds
                )
                let fresh = batch.filter { seen.insert($0.messageID).inserted }
                if fresh.isEmpty { break }
                for message in fresh {
                    do {
                        if try await settle(message, now: now, result: &result) { held.append(message) }
                    } catch {
                        result.errors += 1
                        held.append(message)
                    }
                }
            }
        } catch {
            await release(held)
            throw error
        }
        await release(held)
        return result
    }

    /// Best effort: a message left hidden reappears after `holdSeconds` anyway.
    private func release(_ messages: [SQSMessage]) async {
        for message in messages {
            try? await sqs.changeMessageVisibility(
                deadLetterQueueURL,
                receiptHandle: message.receiptHandle,
                visibilityTimeout: 0
            )
        }
    }

    /// Answers whether the message stays in the DLQ.
    private func settle(_ message: SQSMessage, now: Date, result: inout Result) async throws -> Bool {
        let job = try? JobMessage.decode(message.body)
        var record: LectureRecord?
        if let job { record = try await store.get(job.lectureID) }
        switch Self.action(
            for: job,
            failureReason: message.messageAttributes["FailureReason"]?.stringValue,
            record: record,
            now: now
        ) {
        case .remove:
            try await sqs.deleteMessage(deadLetterQueueURL, receiptHandle: message.receiptHandle)
            result.removed += 1
            return false
        case .keep:
            result.kept += 1
            return true
        case .failLecture(let reason):
            guard let job else { return true }
            do {
                let failed = try await store.failUnattended(
                    job.lectureID,
                    version: job.outputVersion,
                    reason: reason,
                    now: now
                )
                result.lecturesFailed += 1
                // After the lecture's own write, so no mail outage can keep it from failing; `notify` never throws.
                if let outcomeMail { result.mails.append(await outcomeMail.notify(.failed, record: failed)) }
            } catch is LectureStore.Conflict {
                // Another sweeper or a worker moved it first; the next sweep decides again from what it is now.
            }
            result.kept += 1
            return true
        }
    }
}
