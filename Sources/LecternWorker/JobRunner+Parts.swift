import AWS
import Foundation
import LecternCore
import Logging
import Transcoder

/// One part of a split encode (issue #15): claim it under its own lease, encode only its stretch of the source
/// read in ranges from S3 (`S3RangedSource`), upload per the chunk contract (`PartOutputs`), mark it done — and,
/// when that write is the one that completes the plan, stitch and publish the lecture.
extension JobRunner {
    func handlePart(_ message: SQSMessage, job: JobMessage, part: JobPart, receivedAt: Date, logger: Logger) async {
        let store = environment.store
        let configuration = environment.configuration
        let record: LectureRecord
        do {
            record = try await store.claimPart(
                job.lectureID,
                version: job.outputVersion,
                part: part.part,
                workerID: configuration.workerID,
                leaseSeconds: leaseSeconds,
                attemptLimit: configuration.maxEncodeAttempts
            )
        } catch let conflict as LectureStore.Conflict {
            await settleUnclaimablePart(message, job: job, part: part, current: conflict.current, logger: logger)
            return
        } catch  where Task.isCancelled {
            await Self.uncancelled { [logger] in await self.changeVisibility(message, seconds: 0, logger: logger) }
            return
        } catch {
            logger.warning("part claim failed; will retry", metadata: ["error": "\(error)"])
            await retryLater(message, job: job, attempts: nil, reason: "\(error)", logger: logger)
            return
        }
        let attempts = record.split.map { split in
            switch part.part {
            case .audio: split.audio.attempts
            case .video(let index): split.chunks.indices.contains(index) ? split.chunks[index].attempts : 1
            }
        }
        let receiveToClaim = Date().timeIntervalSince(receivedAt)
        environment.metrics.receiveToClaimSeconds.record(receiveToClaim)
        logger.info("claimed a part", metadata: ["attempt": "\(attempts ?? 1)"])
        let lease = LeaseHolder(.part(part.part))
        await run(
            job,
            message: message,
            attempts: attempts ?? 1,
            receivedAt: receivedAt,
            receiveToClaim: receiveToClaim,
            lease: lease,
            logger: logger
        ) { progress, scratch in
            try await self.encodePart(
                job,
                part: part,
                scratch: scratch,
                progress: progress,
                lease: lease,
                logger: logger
            )
        }
    }

    private func encodePart(
        _ job: JobMessage,
        part: JobPart,
        scratch name: String,
        progress: JobProgress,
        lease: LeaseHolder,
        logger: Logger
    ) async throws -> WorkOutcome {
        let configuration = environment.configuration
        let folder = try scratchFolder(name)
        defer { folder.remove() }
        let outputDirectory = folder.path + "/out"
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)

        progress.update(percent: 0, stage: "encoding")
        let source = try await S3RangedSource.open(
            s3: environment.s3,
            bucket: configuration.bucket,
            key: job.sourceKey,
            settings: configuration.rangedRead
        )
        let layout = SplitProbe.SplitLayout(chunks: [], timestampOffset: part.timestampOffset, hasAudio: true)
        var base = transcodePlan(ladder: job.ladder)
        // The planner's choice, not this worker's: every part of the lecture must agree (a worker of another version
        // may have planned it; nil is a plan from before parts placed keyframes by content, whose parts kept the fixed
        // cadence).
        base.keyframesFollowContent = part.keyframesFollowContent ?? false
        let plan: TranscodePlan
        switch part.part {
        case .audio:
            plan = layout.audioPlan(base: base)
        case .video:
            // `JobPart.problem` checked the window: finite, non-negative, whole seconds by construction.
            let range = TimeRange(start: Int(part.start ?? 0), end: part.end.map { Int($0) })
            plan = layout.videoPlan(for: range, base: base)
        }
        let manifest = try await environment.transcoder.transcode(
            source: source,
            outputDirectory: outputDirectory,
            plan: plan
        ) { update in
            progress.update(percent: update.fraction * 90, stage: "encoding")
        }
        environment.metrics.bytesIn.increment(by: source.bytesFetched)

        progress.update(percent: 90, stage: "uploading")
        let outputs = PartOutputs(lectureID: job.lectureID, version: job.outputVersion, part: part.part)
        let uploaded = try await OutputUploader(s3: environment.s3, bucket: configuration.bucket).upload(
            directory: outputDirectory,
            placing: manifest.files.map(\.path).compactMap { file in outputs.key(for: file).map { (file, $0) } },
            manifestKey: outputs.manifestKey
        ) { _, _ in }
        environment.metrics.bytesOut.increment(by: uploaded)

        lease.set(.none)
        let record: LectureRecord
        do {
            record = try await environment.store.completePart(
                job.lectureID,
                version: job.outputVersion,
                part: part.part,
                workerID: configuration.workerID
            )
        } catch let conflict as LectureStore.Conflict {
            throw LostOwnership(lectureID: conflict.lectureID)
        }
        guard let split = record.split, split.isComplete else {
            if let split = record.split {
                let done = Double(split.done.count + (split.audioDone ? 1 : 0)) / Double(split.chunks.count + 1)
                try? await environment.store.recordPartsProgress(
                    job.lectureID,
                    version: job.outputVersion,
                    percent: (done * 95).rounded()
                )
            }
            return .partDone(part.part)
        }
        // This write completed the plan: no other completion saw it complete, so this worker stitches.
        do { try await claimStitch(job) } catch let conflict as LectureStore.Conflict {
            throw LostOwnership(lectureID: conflict.lectureID)
        }
        lease.set(.lecture)
        logger.info("the last part is done: stitching")
        return .published(
            try await stitchAndPublish(job, split: split, scratch: name + "-stitch", progress: progress, logger: logger)
        )
    }

    /// The part's claim did not apply: decide from the record what this delivery is.
    private func settleUnclaimablePart(
        _ message: SQSMessage,
        job: JobMessage,
        part: JobPart,
        current: LectureRecord?,
        logger: Logger
    ) async {
        guard let current, current.jobVersion == job.outputVersion, let split = current.split,
            split.outputVersion == job.outputVersion
        else {
            environment.metrics.duplicatesSkipped.increment()
            logger.info("the part's lecture or plan is gone or superseded; deleting")
            await deleteMessage(message, logger: logger)
            return
        }
        let state: (done: Bool, lease: LectureSplit.Lease?, attempts: Int)
        switch part.part {
        case .audio: state = (split.audio.done, split.audio.lease, split.audio.attempts)
        case .video(let index):
            guard split.chunks.indices.contains(index) else {
                await deleteMessage(message, logger: logger)
                return
            }
            let chunk = split.chunks[index]
            state = (chunk.done, chunk.lease, chunk.attempts)
        }
        switch current.state {
        case .ready where current.publishedVersion == job.outputVersion:
            // Published from these parts. A delivery now is the stitching part's own, back because its worker died
            // after publishing and before deleting it, maybe before removing the parts' files: remove them.
            environment.metrics.duplicatesSkipped.increment()
            logger.info("the lecture is published from these parts; removing their files and the delivery")
            await removePartFiles(job, logger: logger)
            await deleteMessage(message, logger: logger)
        case .ready, .failed, .awaitingUpload:
            environment.metrics.duplicatesSkipped.increment()
            logger.info("the lecture is \(current.state.rawValue); deleting the part's delivery")
            await deleteMessage(message, logger: logger)
        case .queued:
            // The whole job was put back in the queue (its lease lapsed); its next claim sends every part not
            // done again, so this copy is not needed.
            environment.metrics.duplicatesSkipped.increment()
            logger.info("the lecture was re-queued; its resumed plan sends this part again")
            await deleteMessage(message, logger: logger)
        case .processing where state.done && split.isComplete:
            // Every part is done but the lecture is not published: its stitcher died (or is still stitching).
            await stitchAgain(message, job: job, current: current, split: split, logger: logger)
        case .processing where state.done:
            environment.metrics.duplicatesSkipped.increment()
            logger.info("the part is already done; deleting the duplicate delivery")
            await deleteMessage(message, logger: logger)
        case .processing where state.attempts >= environment.configuration.maxEncodeAttempts:
            await failPermanently(
                message,
                job: job,
                reason: Self.partContext(job) + JobLimits.exhaustedReason(attempts: state.attempts),
                claimed: false,
                logger: logger
            )
        case .processing:
            // Held by a live worker: hide this copy until just after its lease (see the whole job's case).
            environment.metrics.duplicatesSkipped.increment()
            let delay = Self.hidingDelay(until: state.lease?.expiresAt)
            logger.info("part held by \(state.lease?.workerId ?? "another worker"); hiding for \(delay) s")
            await changeVisibility(message, seconds: delay, logger: logger)
        }
    }
}

extension JobRunner {
    /// The lecture's lease for stitching `job`'s split (the plan complete, nobody stitching); throws
    /// `LectureStore.Conflict` otherwise.
    private func claimStitch(_ job: JobMessage) async throws {
        try await environment.store.claimStitch(
            job.lectureID,
            version: job.outputVersion,
            workerID: environment.configuration.workerID,
            leaseSeconds: leaseSeconds
        )
    }

    /// A done part's message delivered again while its complete plan is unpublished: the worker that completed the
    /// plan died before publishing (its message, this one, was never deleted). Take the stitch over once that
    /// worker's lease has lapsed; while it lives, hide this copy until just after it, so that it comes back should
    /// that worker die too. Without this the lecture would wait for the API's abandoned-lease sweep.
    fileprivate func stitchAgain(
        _ message: SQSMessage,
        job: JobMessage,
        current: LectureRecord,
        split: LectureSplit,
        logger: Logger
    ) async {
        do { try await claimStitch(job) } catch let conflict as LectureStore.Conflict {
            let holder = conflict.current
            guard holder?.state == .processing, holder?.jobVersion == job.outputVersion else {
                await deleteMessage(message, logger: logger)
                return
            }
            let delay = Self.hidingDelay(until: holder?.leaseExpiresAt)
            logger.info("the stitch is held by \(holder?.workerId ?? "another worker"); hiding for \(delay) s")
            await changeVisibility(message, seconds: delay, logger: logger)
            return
        } catch {
            await retryLater(message, job: job, attempts: nil, reason: Self.readable(error), logger: logger)
            return
        }
        logger.notice("the plan is complete but unpublished: stitching in place of a worker that stopped")
        let lease = LeaseHolder(.lecture)
        await run(
            job,
            message: message,
            attempts: current.attempts,
            receivedAt: Date(),
            receiveToClaim: 0,
            lease: lease,
            logger: logger
        ) { progress, scratch in
            .published(
                try await self.stitchAndPublish(job, split: split, scratch: scratch, progress: progress, logger: logger)
            )
        }
    }
}

/// Where a part's outputs go in S3 (the chunk contract in docs/ARCHITECTURE.md): media segments straight to their
/// published names (numbers continue across chunks and never collide), the audio rendition whole to its published
/// names (the sound is one part), everything only the stitch reads (init segments, media playlists, poster,
/// storyboard, the part's manifest) under the part's own prefix.
struct PartOutputs: Sendable {
    let published: String
    let own: String
    let part: SplitPart

    init(lectureID: String, version: String, part: SplitPart) {
        published = ObjectKeys.renditionPrefix(lectureID: lectureID, version: version)
        switch part {
        case .audio: own = ObjectKeys.audioChunkPrefix(lectureID: lectureID, version: version)
        case .video(let index): own = ObjectKeys.chunkPrefix(lectureID: lectureID, version: version, index: index)
        }
        self.part = part
    }

    /// The key for one output file; nil for a file the part does not publish.
    func key(for file: String) -> String? {
        switch part {
        case .audio:
            return file.hasPrefix(Transcoder.Paths.audioDirectory + "/") ? published + file : nil
        case .video:
            return file.hasPrefix("video/") && file.hasSuffix(".m4s") ? published + file : own + file
        }
    }

    var manifestKey: String { own + TranscodeManifest.fileName }
}
