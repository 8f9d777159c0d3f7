import AWS
import Foundation
import LecternCore
import LecternTestSupport
import LecternWorker
import Synchronization
import Testing
import Transcoder

/// A long lecture split across the fleet (issue #15), in-process workers on moto with real encodes: the plan, the
/// parts on two workers, the stitch by the last part's worker, and a published lecture with every frame of the
/// whole-file encode.
@Suite("Split encoding across workers (moto + real transcodes)") struct SplitWorkerTests {
    /// 24 s with 6 s parts: chunks [0, 6), [6, 12), [12, 24) (a last stretch shorter than a segment folds into the
    /// one before: SplitProbe), plus the sound.
    static let clipSeconds = 24

    /// Splitting on, and a 10 s visibility (a 9 s lease, a heartbeat every 3.3 s) rather than the harness's 3 s:
    /// these tests count each part's attempts, and in the parallel step a heartbeat can come seconds late.
    static let visibility = 10

    static func splitting(_ configuration: WorkerConfiguration) -> WorkerConfiguration {
        var configuration = configuration
        configuration.split = SplitSettings(thresholdSeconds: 10, chunkSeconds: 6)
        configuration.visibilitySeconds = visibility
        return configuration
    }

    @Test(.timeLimit(.minutes(10)))
    func aLongLectureIsEncodedInPartsByTwoWorkersAndStitchedWithEveryFrame() async throws {
        let clip = try await Clips.lecture(seconds: Self.clipSeconds)
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: clip, ladder: [240])
        let logs = LogCapture()
        let first = harness.startWorker(Self.splitting(harness.configuration(workerID: "first")), logs: logs)
        let second = harness.startWorker(Self.splitting(harness.configuration(workerID: "second")), logs: logs)

        let record = try await Self.end(of: job.lectureID, in: harness)
        try await first.stop()
        try await second.stop()
        #expect(record.state == .ready, "\(record.failureReason ?? "")")
        let split = try #require(record.split)
        #expect(split.chunks.map(\.start) == [0, 6, 12])
        #expect(split.isComplete)
        #expect(split.chunks.allSatisfy { $0.attempts == 1 && $0.lease == nil })
        #expect(split.audio.attempts == 1)
        #expect(record.attempts == 1)
        #expect(try await harness.messageCount(harness.deadLetterQueueURL) == 0)
        #expect(harness.scratchEntries().isEmpty)
        let messages = logs.all.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
        #expect(messages.filter { $0["message"] == "planned a split encode" }.count == 1)
        #expect(messages.filter { $0["message"] == "the last part is done: stitching" }.count == 1)
        #expect(messages.filter { $0["message"] == "published" }.count == 1)

        // The published lecture against a whole-file encode of the same clip with the worker's plan.
        let prefix = try #require(record.publishedPrefix)
        let folder = NSTemporaryDirectory() + "split-worker-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var plan = TranscodePlan(heights: [240])
        plan.audioNormalisation = AudioNormalisation(targetLoudness: -16, truePeakCeiling: -1.5)
        let whole = try await Transcoder().transcode(input: clip, outputDirectory: folder + "/whole", plan: plan)
        let stitched = try await harness.download(prefix: prefix, to: folder + "/split")
        #expect(stitched.video.map(\.name) == whole.video.map(\.name))
        #expect(abs(stitched.duration - whole.duration) < 0.05)
        for (rung, wholeRung) in zip(stitched.video, whole.video) {
            #expect(rung.segmentCount == wholeRung.segmentCount)
            let frames = try await MediaCount.frames(playlist: folder + "/split/" + rung.playlist)
            #expect(frames == (try await MediaCount.frames(playlist: folder + "/whole/" + wholeRung.playlist)))
            #expect(frames == Self.clipSeconds * 30)
        }
        let audio = try #require(stitched.audio)
        let wholeAudio = try #require(whole.audio)
        #expect(
            try await MediaCount.frames(playlist: folder + "/split/" + audio.playlist, stream: "a:0")
                == (try await MediaCount.frames(playlist: folder + "/whole/" + wholeAudio.playlist, stream: "a:0"))
        )
        // The MP4 download: a remux of the parts' packets, every frame and audio packet of the whole encode's.
        let download = try #require(stitched.progressive)
        let wholeDownload = try #require(whole.progressive)
        #expect(download.width == wholeDownload.width && download.height == wholeDownload.height && download.hasAudio)
        let mp4 = folder + "/split/" + download.path
        let wholeMP4 = folder + "/whole/" + wholeDownload.path
        #expect(try await MediaCount.frames(playlist: mp4) == Self.clipSeconds * 30)
        #expect(
            try await MediaCount.frames(playlist: mp4, stream: "a:0")
                == (try await MediaCount.frames(playlist: wholeMP4, stream: "a:0"))
        )
        #expect(try await MediaCount.decodes(mp4))
        // The storyboard: the whole encode's layout and cues, each tile from the part that holds its moment.
        let storyboard = try #require(stitched.storyboard)
        #expect(storyboard == whole.storyboard)
        #expect(
            try String(contentsOfFile: folder + "/split/" + storyboard.cues, encoding: .utf8)
                == (try String(contentsOfFile: folder + "/whole/" + storyboard.cues, encoding: .utf8))
        )
        let difference = try await MediaCount.meanAbsoluteDifference(
            folder + "/split/" + storyboard.image,
            folder + "/whole/" + storyboard.image
        )
        #expect(difference < 1, "mean |Δ| \(difference)")
        // The stitched manifest names every published file, segments included.
        let keys = try await harness.keys(under: prefix)
        for file in stitched.files { #expect(keys.contains(prefix + file.path), "\(file.path)") }
        // The parts' own files (init segments, playlists, manifests under chunks/) are gone once it is published.
        #expect(keys.filter { $0.hasPrefix(prefix + "chunks/") } == [])
        #expect(!keys.isEmpty)
    }

    /// A stitcher that dies after publishing and before removing the parts' files leaves them and its part's
    /// message; that message's next delivery finds the lecture published from these parts and removes the files.
    @Test(.timeLimit(.minutes(10)))
    func theStitchingPartDeliveredAgainAfterPublishingRemovesThePartsFiles() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(
            sourcePath: try await Clips.lecture(seconds: Self.clipSeconds),
            ladder: [240]
        )
        let worker = harness.startWorker(Self.splitting(harness.configuration()))
        let record = try await Self.end(of: job.lectureID, in: harness)
        #expect(record.state == .ready, "\(record.failureReason ?? "")")
        let split = try #require(record.split)
        let prefix = try #require(record.publishedPrefix)
        let parts = ObjectKeys.partsPrefix(lectureID: job.lectureID, version: job.outputVersion)
        #expect(try await harness.keys(under: parts) == [])

        // What the dead stitcher left: a part's files, and the last part's message.
        try await harness.s3.putObject(bucket: harness.bucket, key: parts + "002/manifest.json", data: Data("{}".utf8))
        let last = JobMessage.part(split.jobPart(.video(split.chunks.count - 1)), of: job)
        try await harness.sqs.sendMessage(harness.queueURL, body: last.encoded())
        try await harness.waitForEmptyQueue()
        try await worker.stop()
        #expect(try await harness.keys(under: parts) == [])
        let after = try #require(try await harness.store.get(job.lectureID))
        #expect(after.state == .ready && after.publishedPrefix == prefix && after.attempts == record.attempts)
        #expect(try await harness.keys(under: prefix + "video/").isEmpty == false)
    }

    /// The planner decides how every part places its keyframes: a plan from before parts placed them by content
    /// (no `keyframesFollowContent`) keeps the fixed cadence in every part, whichever worker encodes it, so its
    /// segments are numbered on through the parts; a plan that says so numbers each part's from its start second.
    @Test(arguments: [(nil, [0, 1, 2, 3]), (true, [0, 1, 12, 13])] as [(Bool?, [Int])])
    func everyPartFollowsThePlansKeyframeRule(followsContent: Bool?, numbers: [Int]) async throws {
        let harness = try await WorkerHarness.make()
        let clip = try await Clips.lecture(seconds: Self.clipSeconds)
        let job = try await harness.enqueue(sourcePath: clip, ladder: [240])
        guard
            case .splittable(let layout) = try SplitProbe.examine(input: clip, plan: TranscodePlan(), chunkSeconds: 12)
        else { throw HarnessError("the clip should be splittable") }
        let split = LectureSplit(
            outputVersion: job.outputVersion,
            chunks: [.init(start: 0, end: 12), .init(start: 12, end: 24)],
            timestampOffset: layout.timestampOffset,
            keyframesFollowContent: followsContent
        )
        try await Self.plan(split, lectureID: job.lectureID, in: harness)
        for part in split.undoneParts {
            try await harness.sqs.sendMessage(
                harness.queueURL,
                body: JobMessage.part(split.jobPart(part), of: job).encoded()
            )
        }
        let worker = harness.startWorker(Self.splitting(harness.configuration()))
        let record = try await Self.end(of: job.lectureID, in: harness)
        try await worker.stop()
        #expect(record.state == .ready, "\(record.failureReason ?? "")")
        let prefix = try #require(record.publishedPrefix)
        let playlist = try await harness.s3.getObject(bucket: harness.bucket, key: prefix + "video/240p/playlist.m3u8")
        let uris = String(decoding: playlist.body, as: UTF8.self).split(separator: "\n").filter { $0.hasSuffix(".m4s") }
        #expect(uris.compactMap { Int($0.dropFirst("segment_".count).prefix(5)) } == numbers, "\(uris)")
    }

    /// The lecture once it is ready or failed and the queue is empty: no part, stitch or delivery left to run.
    static func end(of lectureID: String, in harness: WorkerHarness) async throws -> LectureRecord {
        let record = try await harness.waitForRecord(lectureID, timeout: .seconds(400)) {
            $0.state == .ready || $0.state == .failed
        }
        try await harness.waitForEmptyQueue()
        return record
    }

    /// Stands for what the whole job's planner did: its message is taken off the queue (it is not the test's) and
    /// `split` handed over to the parts.
    static func plan(_ split: LectureSplit, lectureID: String, in harness: WorkerHarness) async throws {
        for message in try await harness.sqs.receiveMessages(harness.queueURL, maxMessages: 10, waitTimeSeconds: 1) {
            try await harness.sqs.deleteMessage(harness.queueURL, receiptHandle: message.receiptHandle)
        }
        let version = split.outputVersion
        try await harness.store.claim(lectureID, version: version, workerID: "planner", leaseSeconds: 60)
        try await harness.store.handOverToParts(
            lectureID,
            version: version,
            workerID: "planner",
            split: split,
            leaseSeconds: 60
        )
    }

    /// Runs a split lecture through one worker whose S3 transport fails the first request `matches` picks, until
    /// the lecture ends and the queue is empty.
    static func splitLecture(
        logs: LogCapture? = nil,
        failingOnce matches: @escaping @Sendable (HTTPRequest) -> Bool
    ) async throws -> (record: LectureRecord, failures: FailureBudget) {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(
            sourcePath: try await Clips.lecture(seconds: Self.clipSeconds),
            ladder: [240]
        )
        let failures = FailureBudget(1)
        let worker = harness.startWorker(
            Self.splitting(harness.configuration()),
            context: harness.moto.context(transport: InterceptingTransport.failing(failures, matches: matches)),
            logs: logs
        )
        let record = try await Self.end(of: job.lectureID, in: harness)
        try await worker.stop()
        return (record, failures)
    }

    @Test(.timeLimit(.minutes(10)))
    func aPartThatFailsTransientlyIsRetriedAloneAndTheLectureStillPublishes() async throws {
        // The first upload of part 2's only segment fails (a reset connection, say); the S3 client does not retry
        // this error, so the part fails, gives its lease back and is delivered again after the backoff. Part 2
        // starts at 6 s, and its segments are numbered from its start second (`chunkFirstSegmentNumber`).
        let (record, failures) = try await Self.splitLecture { request in
            request.method == "PUT" && request.url.path.hasSuffix("/video/240p/segment_00006.m4s")
        }
        #expect(record.state == .ready, "\(record.failureReason ?? "")")
        #expect(record.split?.chunks.map(\.attempts) == [1, 2, 1])
        #expect(record.split?.audio.attempts == 1)
        #expect(record.attempts == 1)
        #expect(failures.exhaustedAndPassed)
    }

    @Test(.timeLimit(.minutes(10)))
    func aStitchThatFailsIsTakenUpAgainByTheLastPartsNextDeliveryWithoutEncodingAgain() async throws {
        // The stitch's first upload of the master playlist fails (a part's own master, under chunks/, does not);
        // nothing is published.
        let logs = LogCapture()
        let (record, failures) = try await Self.splitLecture(logs: logs) { request in
            request.method == "PUT" && request.url.path.hasSuffix("/master.m3u8")
                && !request.url.path.contains("/chunks/")
        }
        #expect(record.state == .ready, "\(record.failureReason ?? "")")
        #expect(failures.exhaustedAndPassed)
        // No part ran twice and the lecture was never put back in the queue: the part's message came back and
        // its delivery stitched.
        #expect(record.split?.chunks.map(\.attempts) == [1, 1, 1])
        #expect(record.attempts == 1)
        let messages = logs.all.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
        #expect(
            messages.filter {
                $0["message"] == "the plan is complete but unpublished: stitching in place of a worker that stopped"
            }.count == 1
        )
        #expect(messages.filter { $0["message"] == "published" }.count == 1)
    }

    @Test func aPartThatUsedItsAttemptsFailsTheLectureWithThePartsReason() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: nil, ladder: [240])
        let split = LectureSplit(
            outputVersion: job.outputVersion,
            chunks: [.init(start: 0, end: 180), .init(start: 180, end: 300)]
        )
        try await Self.plan(split, lectureID: job.lectureID, in: harness)
        let store = harness.store
        // Three workers took part 2 and vanished, each after its lease.
        for attempt in 0..<3 {
            try await store.claimPart(
                job.lectureID,
                version: job.outputVersion,
                part: .video(1),
                workerID: "gone-\(attempt)",
                leaseSeconds: 1,
                now: Date() - 10 + Double(attempt * 2)
            )
        }
        try await harness.sqs.sendMessage(
            harness.queueURL,
            body: JobMessage.part(split.jobPart(.video(1)), of: job).encoded()
        )
        let worker = harness.startWorker(Self.splitting(harness.configuration()))
        let failed = try await harness.waitForRecord(job.lectureID) { $0.state == .failed }
        try await worker.stop()
        let reason = try #require(failed.failureReason)
        #expect(reason.hasPrefix("Part 2 of 2: "))
        #expect(reason.contains("interrupted 3 times"))
        let dead = try await harness.deadLetters(expecting: 1)
        #expect(dead.count == 1)
        #expect(try JobMessage.decode(try #require(dead.first).body).part?.part == .video(1))
    }

    @Test(.timeLimit(.minutes(10)))
    func aPartThatFailsPermanentlyFailsTheLectureAtOnceAndNoPartRunsAfterIt() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(
            sourcePath: try await Clips.lecture(seconds: Self.clipSeconds),
            ladder: [240]
        )
        // Part 3 starts past the recording's end (24 s): its transcode refuses the range, which no retry changes.
        let split = LectureSplit(
            outputVersion: job.outputVersion,
            chunks: [.init(start: 0, end: 12), .init(start: 12, end: 24), .init(start: 30, end: 36)]
        )
        try await Self.plan(split, lectureID: job.lectureID, in: harness)
        for part in [SplitPart.video(2), .video(0), .video(1)] {
            try await harness.sqs.sendMessage(
                harness.queueURL,
                body: JobMessage.part(split.jobPart(part), of: job).encoded()
            )
        }
        let logs = LogCapture()
        let worker = harness.startWorker(Self.splitting(harness.configuration()), logs: logs)
        let failed = try await Self.end(of: job.lectureID, in: harness)
        try await worker.stop()

        #expect(failed.state == .failed)
        let reason = try #require(failed.failureReason)
        #expect(reason.hasPrefix("Part 3 of 3: "), "\(reason)")
        #expect(reason.contains("cannot start at 30 s"), "\(reason)")
        #expect(failed.split?.chunks[2].attempts == 1, "a permanent failure is not retried")
        let dead = try await harness.deadLetters(expecting: 1)
        #expect(dead.count == 1)
        #expect(try JobMessage.decode(try #require(dead.first).body).part?.part == .video(2))
        // Whatever was delivered after the failure was deleted without being encoded.
        let messages = logs.all.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }.compactMap { $0["message"] }
        let failedAt = try #require(messages.firstIndex(of: "failed permanently"))
        #expect(!messages[failedAt...].contains("claimed a part"))
        let claimedBefore = messages[..<failedAt].filter { $0 == "claimed a part" }.count
        #expect(
            messages[failedAt...].filter { $0 == "the lecture is failed; deleting the part's delivery" }.count
                == 3 - claimedBefore
        )
        #expect(harness.scratchEntries().isEmpty)
    }

    @Test(.enabled(if: WorkerProcessTests.binary != nil, "build lectern-worker first"), .timeLimit(.minutes(10)))
    func aWorkerKilledMidPartCostsOnlyThatPart() async throws {
        let harness = try await WorkerHarness.make(visibility: 3)
        let job = try await harness.enqueue(
            sourcePath: try await Clips.lecture(seconds: Self.clipSeconds),
            ladder: [240]
        )
        var environment = harness.processEnvironment(workerID: "victim", visibility: Self.visibility)
        environment["LECTERN_SPLIT_THRESHOLD_SECONDS"] = "10"
        environment["LECTERN_SPLIT_CHUNK_SECONDS"] = "6"
        let victim = try WorkerProcessTests.WorkerProcess(
            binary: try #require(WorkerProcessTests.binary),
            environment: environment
        )
        // Killed while it holds a part, once it finished at least one other.
        let held = try await harness.waitForRecord(job.lectureID, timeout: .seconds(300)) { record in
            guard let split = record.split else { return false }
            let parts = split.chunks.map { ($0.done, $0.lease) } + [(split.audio.done, split.audio.lease)]
            return parts.contains { $0.0 } && parts.contains { $0.1?.workerId == "victim" }
        }
        kill(victim.process.processIdentifier, SIGKILL)
        #expect(try await victim.waitForExit(timeout: .seconds(10)) == SIGKILL)
        let split = try #require(try await harness.store.get(job.lectureID)?.split)
        let doneByVictim = split.done
        let heldPart = split.chunks.indices.first { split.chunks[$0].lease?.workerId == "victim" }
        #expect(held.state == .processing)

        let rescuer = harness.startWorker(Self.splitting(harness.configuration(workerID: "rescuer")))
        let record = try await Self.end(of: job.lectureID, in: harness)
        try await rescuer.stop()
        #expect(record.state == .ready, "\(record.failureReason ?? "")")
        let final = try #require(record.split)
        // What the victim finished stayed done and was not encoded again; only the part it held ran twice.
        for index in doneByVictim { #expect(final.chunks[index].attempts == 1) }
        if let heldPart { #expect(final.chunks[heldPart].attempts == 2) }
        let attempts = final.chunks.map(\.attempts) + [final.audio.attempts]
        #expect(attempts.filter { $0 == 2 }.count == 1)
        #expect(attempts.allSatisfy { $0 <= 2 })
        #expect(record.attempts == 1)
    }

    @Test func aShortLectureOrSplittingOffIsEncodedAsOneJob() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture(seconds: 3), ladder: [240])
        let worker = harness.startWorker(Self.splitting(harness.configuration()))
        let record = try await harness.waitForRecord(job.lectureID, timeout: .seconds(120)) { $0.state == .ready }
        try await worker.stop()
        #expect(record.split == nil)
    }
}

struct InjectedFailure: Error {}

/// How many matching requests an `InterceptingTransport.failing` still fails.
final class FailureBudget: Sendable {
    private let remaining: Mutex<Int>
    init(_ failures: Int) { remaining = Mutex(failures) }
    /// Counts a matching request down; true while it must fail.
    func spend() -> Bool {
        remaining.withLock { count in
            defer { count -= 1 }
            return count > 0
        }
    }
    /// Every failure was used and a matching request passed after them.
    var exhaustedAndPassed: Bool { remaining.withLock { $0 < 0 } }
}

extension InterceptingTransport {
    /// Fails the requests `matches` picks with `InjectedFailure` while `budget` lasts.
    static func failing(_ budget: FailureBudget, matches: @escaping @Sendable (HTTPRequest) -> Bool) -> Self {
        InterceptingTransport(base: CurlTransport()) { request in
            if matches(request), budget.spend() { throw InjectedFailure() }
        }
    }
}

extension WorkerHarness {
    /// Downloads a published lecture (manifest and every file it names) into `directory`.
    func download(prefix: String, to directory: String) async throws -> TranscodeManifest {
        let data = try await s3.getObject(bucket: bucket, key: prefix + TranscodeManifest.fileName).body
        let manifest = try JSONDecoder().decode(TranscodeManifest.self, from: data)
        for file in manifest.files {
            let path = directory + "/" + file.path
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try await s3.getObject(bucket: bucket, key: prefix + file.path, toFile: path)
        }
        return manifest
    }
}

/// Counts what ffprobe decodes from an HLS media playlist (or any file).
enum MediaCount {
    /// Whether ffmpeg decodes every stream of `path` without an error.
    static func decodes(_ path: String) async throws -> Bool {
        let result = try await ChildProcess.run("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-f", "null", "-"])
        return result.status == 0 && result.stderr.isEmpty
    }

    /// Mean absolute difference of two same-sized pictures' luma, 0…255 (ffmpeg's `blend=difference` + `signalstats`).
    static func meanAbsoluteDifference(_ first: String, _ second: String) async throws -> Double {
        let result = try await ChildProcess.run(
            "ffmpeg",
            [
                "-v", "error", "-nostdin", "-i", first, "-i", second, "-filter_complex",
                "[0:v]format=gray[a];[1:v]format=gray[b];[a][b]blend=all_mode=difference,signalstats,"
                    + "metadata=print:key=lavfi.signalstats.YAVG:file=-",
                "-f", "null", "-",
            ]
        )
        guard let line = result.text.split(whereSeparator: \.isNewline).first(where: { $0.contains("YAVG=") }),
            let value = Double(line.split(separator: "=").last ?? "")
        else {
            throw Clips.Failure(description: "no difference measured: \(result.output)")
        }
        return value
    }

    static func frames(playlist: String, stream: String = "v:0") async throws -> Int {
        let result = try await ChildProcess.run(
            "ffprobe",
            [
                "-v", "error", "-allowed_extensions", "ALL", "-select_streams", stream, "-count_packets",
                "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", playlist,
            ]
        )
        // One line per stream of the selection; HLS adds a blank line per program.
        guard let line = result.text.split(whereSeparator: \.isNewline).first, let count = Int(line) else {
            throw Clips.Failure(description: "ffprobe counted nothing in \(playlist): \(result.output)")
        }
        return count
    }
}
