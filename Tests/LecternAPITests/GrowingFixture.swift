import AWS
import Foundation
import LecternAPI
import LecternCore
import LecternTestSupport
import Testing

/// A lecture part-way through a split encode (issue #15), laid out in S3 exactly as the chunk contract says the
/// worker writes it (`LectureSplit`, `ObjectKeys.chunkPrefix`): the chunks are real encodes of a generated clip by
/// the `lectern transcode --range` CLI (the API does not link the Transcoder), encoded once per test process.
struct GrowingFixture {
    /// 12 s at 25 fps in 2 s segments, encoded as three 4 s video chunks and one audio chunk.
    static let seconds = 12
    static let segmentSeconds = 2
    static let chunks = [
        LectureSplit.Chunk(start: 0, end: 4), LectureSplit.Chunk(start: 4, end: 8),
        LectureSplit.Chunk(start: 8, end: 12),
    ]
    static let framesPerChunk = 100

    /// The chunk output folders: `video[k]` and `audio`.
    struct Encoded: Sendable {
        let folder: String
        var video: [String] { GrowingFixture.chunks.indices.map { folder + "/chunk-\($0)" } }
        var audio: String { folder + "/audio" }
    }

    /// A 320 × 180 moving test pattern (`testsrc2`, every picture different) with a 440 Hz tone, H.264 + AAC in MP4,
    /// a source keyframe every `gop` pictures.
    static func testPattern(at path: String, seconds: Int, rate: Int, gop: Int) async throws {
        try await Tool.check(
            "ffmpeg",
            [
                "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=\(rate):d=\(seconds)",
                "-f", "lavfi", "-i", "sine=f=440:d=\(seconds):sample_rate=48000", "-c:v", "libx264", "-preset",
                "ultrafast", "-g", "\(gop)", "-c:a", "aac", "-ac", "2", path,
            ]
        )
    }

    static let encoded = Task<Encoded, any Error> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("growing-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let clip = folder + "/clip.mp4"
        try await testPattern(at: clip, seconds: seconds, rate: 25, gop: 37)
        let encoded = Encoded(folder: folder)
        let common = ["--ladder", "180,144", "--segment-seconds", "\(segmentSeconds)", "--threads", "1"]
        for (index, chunk) in chunks.enumerated() {
            let range = "\(Int(chunk.start)):" + (index == chunks.count - 1 ? "" : "\(Int(chunk.end))")
            let run = try await BuiltProducts.run(
                "lectern",
                ["transcode", clip, encoded.video[index], "--range", range] + common
            )
            guard run.status == 0 else {
                throw Tool.Failure(description: "lectern transcode --range \(range): \(run.stderr)")
            }
        }
        let audio = try await BuiltProducts.run("lectern", ["transcode", clip, encoded.audio, "--audio-only"] + common)
        guard audio.status == 0 else {
            throw Tool.Failure(description: "lectern transcode --audio-only: \(audio.stderr)")
        }
        return encoded
    }

    let record: LectureRecord
    let encoded: Encoded
    var prefix: String { ObjectKeys.renditionPrefix(lectureID: record.lectureId, version: record.jobVersion ?? "") }

    /// A processing lecture whose chunks `done` (and the audio, if `audioDone`) are uploaded per the contract.
    static func make(
        in world: TestWorld,
        done: Set<Int>,
        audioDone: Bool,
        targetDuration: Int? = nil,
        visibility: LectureVisibility = .published,
        course: String = "CS101"
    ) async throws -> GrowingFixture {
        let encoded = try await Self.encoded.value
        let id = ObjectKeys.newLectureID()
        let version = ObjectKeys.newOutputVersion()
        let prefix = ObjectKeys.renditionPrefix(lectureID: id, version: version)
        for index in done.sorted() {
            try await uploadVideoChunk(
                encoded.video[index],
                prefix: prefix,
                chunkPrefix: ObjectKeys.chunkPrefix(lectureID: id, version: version, index: index),
                world: world
            )
        }
        if audioDone {
            for relative in try files(in: encoded.audio) {
                let key =
                    relative == "manifest.json"
                    ? ObjectKeys.audioChunkPrefix(lectureID: id, version: version) + relative : prefix + relative
                guard relative == "manifest.json" || relative.hasPrefix("audio/") else { continue }
                try await put(encoded.audio + "/" + relative, key: key, world: world)
            }
        }
        let source = ObjectKeys.source(lectureID: id)
        var record = LectureRecord(
            lectureId: id,
            courseId: course,
            ownerId: "professor-1",
            title: "Growing",
            filename: "clip.mp4",
            contentType: "video/mp4",
            sizeBytes: 1,
            sourceKey: source,
            state: .processing
        )
        record.visibility = visibility
        record.jobVersion = version
        record.durationSeconds = Double(seconds)
        record.split = LectureSplit(outputVersion: version, chunks: chunks, done: done, audioDone: audioDone)
        record.split?.targetDuration = targetDuration
        try await world.services.store.create(record)
        return GrowingFixture(record: record, encoded: encoded)
    }

    /// Segments to their published names; init segments, playlists, manifest and poster under the chunk's prefix.
    static func uploadVideoChunk(_ folder: String, prefix: String, chunkPrefix: String, world: TestWorld) async throws {
        for relative in try files(in: folder) {
            let name = relative.split(separator: "/").last.map(String.init) ?? relative
            if relative.hasPrefix("video/"), name.hasSuffix(".m4s") {
                try await put(folder + "/" + relative, key: prefix + relative, world: world)
            } else if relative.hasPrefix("video/") || relative == "manifest.json" || relative == "poster.jpg" {
                try await put(folder + "/" + relative, key: chunkPrefix + relative, world: world)
            }
        }
    }

    static func files(in folder: String) throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: folder))
        var files: [String] = []
        for case let relative as String in enumerator {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                files.append(relative)
            }
        }
        return files.sorted()
    }

    static func put(_ path: String, key: String, world: TestWorld) async throws {
        try await world.services.s3.putObject(bucket: world.services.bucket, key: key, fileAt: path)
    }

    /// The segment names a chunk's own playlist lists for `rung`, in order.
    func segmentNames(chunk index: Int, rung: String) throws -> [String] {
        try String(contentsOfFile: encoded.video[index] + "/video/\(rung)/playlist.m3u8", encoding: .utf8)
            .split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("#") && !$0.isEmpty }.map(String.init)
    }
}
