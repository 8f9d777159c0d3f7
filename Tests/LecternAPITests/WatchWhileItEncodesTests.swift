import AWS
import Foundation
import LecternAPI
import LecternCore
import LecternTestSupport
import LecternWorker
import Testing

/// Watching while it encodes (issue #15) with real workers, not a fixture: a worker splits a lecture into parts and
/// is stopped once the start is playable; a student's ffmpeg opens the API's growing playlist from the start; a
/// second worker then encodes the rest, stitches and publishes. The same playlist ends, ffmpeg stops on its own, and
/// it has decoded every picture of the lecture, across the switch from the parts' playlist to the published one.
@Suite struct WatchWhileItEncodesTests {
    static let seconds = 36

    /// 320 × 180 at 30 fps, always moving (so no picture is left out and every one is counted), with a tone.
    static func clip(in folder: String) async throws -> String {
        let path = folder + "/lecture.mp4"
        try await GrowingFixture.testPattern(at: path, seconds: seconds, rate: 30, gop: 45)
        return path
    }

    /// A worker on the world's moto: DynamoDB and SQS on the checking server, S3 on the one the API's presigned
    /// URLs need (`TestWorld.make`). Parts of 6 s for any lecture of 10 s or more; one job at a time.
    static func startWorker(
        _ world: TestWorld,
        table: String,
        scratch: String
    ) async throws -> (Worker, Task<Void, any Error>) {
        var configuration = WorkerConfiguration(
            queueURL: world.services.queueURL,
            bucket: world.services.bucket,
            table: table,
            concurrency: 1,
            scratchDirectory: scratch,
            shutdownGrace: .seconds(60),
            visibilitySeconds: 30,
            progressInterval: .seconds(1),
            receiveWaitSeconds: 1,
            deadLetterQueueURL: world.deadLetterQueueURL,
            minimumFreeBytes: 0
        )
        configuration.split = SplitSettings(thresholdSeconds: 10, chunkSeconds: 6)
        var aws = try await MotoServer.shared().configuration
        aws.serviceEndpoints[.s3] = try await MotoServer.sharedWithoutSignatureChecks().configuration.endpoint
        let context = AWSContext(
            configuration: aws,
            transport: TestWorld.transport,
            credentials: StaticCredentialProvider(try await MotoServer.shared().credentials)
        )
        let worker = Worker(configuration: configuration, context: context)
        return (worker, Task { try await worker.run() })
    }

    @Test(.timeLimit(.minutes(5))) func aStudentWhoStartsWhileItEncodesPlaysTheWholeLectureToItsEnd() async throws {
        var table = ""
        let world = try await TestWorld.make { table = $0.lecturesTable }
        let folder = NSTemporaryDirectory() + "watch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clip = try await Self.clip(in: folder)

        // The lecture as the API leaves it after an upload: a queued record, the source, the job.
        let id = ObjectKeys.newLectureID()
        let version = ObjectKeys.newOutputVersion()
        let source = ObjectKeys.source(lectureID: id)
        var record = LectureRecord(
            lectureId: id,
            courseId: "CS101",
            ownerId: "professor-1",
            title: "Watched while it encodes",
            filename: "lecture.mp4",
            contentType: "video/mp4",
            sizeBytes: 1,
            sourceKey: source,
            state: .queued
        )
        record.visibility = .published
        record.jobVersion = version
        try await world.services.store.create(record)
        try await world.services.s3.uploadFile(path: clip, bucket: world.services.bucket, key: source)
        let job = JobMessage(lectureID: id, sourceKey: source, outputVersion: version, ladder: [180])
        try await world.services.sqs.sendMessage(world.services.queueURL, body: job.encoded())

        // The first worker encodes until the start can be watched, then stops (after the part it is on).
        let (first, firstRun) = try await Self.startWorker(world, table: table, scratch: folder + "/first")
        var playable: LectureRecord?
        for _ in 0..<600 where playable == nil {
            let current = try await world.services.store.get(id)
            if current?.split?.playableThrough != nil { playable = current }
            #expect(current?.state != .ready && current?.state != .failed, "ended before it was playable")
            try await Task.sleep(for: .milliseconds(100))
        }
        await first.shutdown()
        try await firstRun.value
        let split = try #require(playable?.split)
        let paused = try #require(try await world.services.store.get(id))
        #expect(paused.state == .processing)
        #expect(paused.split?.isComplete == false, "every part was done before the student started")

        // The student's player: the API's growing playlists, from the start, reloaded until they end.
        let server = try APIServer(application: world.app, host: "127.0.0.1", port: 0)
        let running = Task { try await server.run() }
        defer { running.cancel() }
        try await server.waitUntilListening(timeout: 30)
        let port = try #require(await server.port)
        let student = try await world.token(.student, courses: ["CS101"])
        var view: LectureView?
        try await world.withClient(.inProcess) { client in
            let answer = try await client.call("GET", "/v1/lectures/\(id)", token: student)
            view = try answer.decode(LectureView.self)
        }
        #expect(view?.state == "processing")
        #expect(view?.playable != nil)
        let hls = try #require(view?.playback?.hls)
        let frames = folder + "/frames.txt"
        let player = try ChildProcess(
            "ffmpeg",
            executable: "ffmpeg",
            arguments: [
                "-nostdin", "-y", "-v", "error", "-live_start_index", "0", "-i", "http://127.0.0.1:\(port)" + hls,
                "-map", "0:v:0", "-map", "0:a:0", "-flush_packets", "1", "-f", "framecrc", frames,
            ]
        )
        // It decodes the playable start while the rest is not encoded yet.
        let watched = Int((split.playableThrough ?? 0) * 30)
        for _ in 0..<300 where Self.videoFrames(frames) < watched {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(Self.videoFrames(frames) >= watched, "ffmpeg: \(player.output)")
        #expect(try await world.services.store.get(id)?.state == .processing)

        // A second worker encodes the rest, stitches and publishes; the player's next reload finds the end.
        let (second, secondRun) = try await Self.startWorker(world, table: table, scratch: folder + "/second")
        let status = try await player.waitForExit(seconds: 180)
        await second.shutdown()
        try await secondRun.value
        #expect(status == 0, "\(player.output)")
        #expect(try await world.services.store.get(id)?.state == .ready)
        #expect(Self.videoFrames(frames) == Self.seconds * 30, "ffmpeg: \(player.output)")
        #expect(Self.audioPackets(frames) > 0)
        await server.stop()
    }

    /// Lines of stream 0 (the video) in a framecrc file: one per decoded picture.
    static func videoFrames(_ path: String) -> Int { lines(path, stream: "0") }
    static func audioPackets(_ path: String) -> Int { lines(path, stream: "1") }

    static func lines(_ path: String, stream: String) -> Int {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(whereSeparator: \.isNewline).filter {
            !$0.hasPrefix("#") && $0.split(separator: ",").first?.trimmingCharacters(in: .whitespaces) == stream
        }.count
    }
}
