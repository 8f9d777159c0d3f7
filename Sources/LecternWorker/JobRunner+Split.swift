import AWS
import Foundation
import LecternCore
import Logging
import Transcoder

/// Planning a split encode (issue #15): the claimed whole job of a long lecture becomes K video parts and one
/// audio part, sent to the same queue, and the lecture is handed over to them (`LectureStore.handOverToParts`).
extension JobRunner {
    /// Plans a split when splitting is on, the recording is at least the threshold long and can be split
    /// (`SplitProbe`: an indexed container). Reads only the source's header and index (ranged GETs). Answers the
    /// number of video parts sent, or nil to encode the lecture here as one job.
    func planSplit(
        _ job: JobMessage,
        progress: JobProgress,
        lease: LeaseHolder,
        logger: Logger
    ) async throws -> Int? {
        let settings = environment.configuration.split
        guard let threshold = settings.thresholdSeconds else { return nil }
        progress.update(percent: 0, stage: "planning")
        let base = transcodePlan(ladder: job.ladder)
        let probe: (answer: SplitProbe.Answer, duration: Double?)
        do {
            let source = try await S3RangedSource.open(
                s3: environment.s3,
                bucket: environment.configuration.bucket,
                key: job.sourceKey,
                settings: environment.configuration.rangedRead
            )
            // Below 16 kbit/s for the threshold's length the recording is too short to split (or holds so little that
            // it encodes in moments): no probe, no GET beyond the HEAD.
            guard source.size >= Int64(threshold) * SplitSettings.minimumBytesPerSecond else { return nil }
            probe = try await SplitProbe.examine(source: source, plan: base) { settings.chunkSeconds(forDuration: $0) }
        } catch {
            // The whole encode reads the file again and reports what is wrong with it in its own words.
            logger.info("not split: the probe failed", metadata: ["error": "\(error)"])
            return nil
        }
        guard let duration = probe.duration, duration >= Double(threshold) else { return nil }
        guard case .splittable(let layout) = probe.answer, layout.chunks.count > 1 else {
            if case .wholeOnly(let reason) = probe.answer {
                logger.notice("encoded as one job", metadata: ["reason": "\(reason)"])
            }
            return nil
        }
        let split = LectureSplit(
            outputVersion: job.outputVersion,
            chunks: layout.chunks.map {
                LectureSplit.Chunk(start: Double($0.start), end: $0.end.map(Double.init) ?? duration)
            },
            audio: LectureSplit.AudioPart(done: !layout.hasAudio),
            timestampOffset: layout.timestampOffset,
            targetDuration: base.longestSegmentSeconds,
            keyframesFollowContent: base.keyframesFollowContent
        )
        try await handOver(job, split: split, lease: lease)
        try await sendParts(split.undoneParts, of: job, split: split)
        logger.info(
            "planned a split encode",
            metadata: ["videoParts": "\(split.chunks.count)", "seconds": "\(duration)", "audio": "\(layout.hasAudio)"]
        )
        return split.chunks.count
    }

    /// A whole job delivered again for a plan already recorded (the lecture's lease lapsed: no part was worked on
    /// for a lease, e.g. a part's message was lost): hand the lecture back to its parts and send every part not
    /// done again. A part still queued runs once — the other copy finds it done or leased.
    func resumeParts(_ job: JobMessage, split: LectureSplit, lease: LeaseHolder, logger: Logger) async throws -> Int {
        try await handOver(job, split: nil, lease: lease)
        let parts = split.undoneParts
        try await sendParts(parts, of: job, split: split)
        logger.notice("resumed a split plan", metadata: ["partsSentAgain": "\(parts.count)"])
        return split.chunks.count
    }

    /// A whole job delivered while its plan is with the parts: sends the parts not done again, then deletes it.
    func resendParts(_ message: SQSMessage, job: JobMessage, split: LectureSplit?, logger: Logger) async {
        guard let split else { return }
        do {
            try await sendParts(split.undoneParts, of: job, split: split)
            environment.metrics.duplicatesSkipped.increment()
            logger.info(
                "the plan is with its parts; sent the parts not done again",
                metadata: [
                    "parts": "\(split.undoneParts.count)"
                ]
            )
            await deleteMessage(message, logger: logger)
        } catch {
            await retryLater(message, job: job, attempts: nil, reason: Self.readable(error), logger: logger)
        }
    }

    private func handOver(_ job: JobMessage, split: LectureSplit?, lease: LeaseHolder) async throws {
        lease.set(.none)
        do {
            try await environment.store.handOverToParts(
                job.lectureID,
                version: job.outputVersion,
                workerID: environment.configuration.workerID,
                split: split,
                leaseSeconds: leaseSeconds
            )
        } catch let conflict as LectureStore.Conflict {
            throw LostOwnership(lectureID: conflict.lectureID)
        }
    }

    /// The parts' messages, ten to a batch; the sound first, then the chunks in timeline order, so the first
    /// playable moment comes as early as the fleet allows.
    private func sendParts(_ parts: [SplitPart], of job: JobMessage, split: LectureSplit) async throws {
        let messages = parts.map { JobMessage.part(split.jobPart($0), of: job) }
        for start in stride(from: 0, to: messages.count, by: 10) {
            let batch = messages[start..<min(start + 10, messages.count)]
            let entries = batch.enumerated().map { SQSSendEntry(id: "p\($0.offset)", body: $0.element.encoded()) }
            let result = try await environment.sqs.sendMessageBatch(
                environment.configuration.queueURL,
                entries: entries
            )
            if !result.failed.isEmpty {
                throw RetryLater(description: "SQS refused \(result.failed.count) part message(s)")
            }
        }
    }
}
