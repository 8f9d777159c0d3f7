import AWS
import Captions
import Foundation
import LecternAPI
import LecternCore
import LecternTestSupport
import Testing

/// Issue 14's "done when": a lecture really encoded by the transcoder (the `lectern transcode` CLI on a clip the
/// test generates), a professor's SRT in Windows-1252 with CRLF and a WebVTT in a second language uploaded through
/// the live API, and ffmpeg reading both subtitle renditions through the API's master playlist and its presigned
/// links. FFmpeg 5.1's HLS demuxer only opens subtitle renditions with `-strict experimental`, and it ignores
/// `X-TIMESTAMP-MAP` (it reads cue times as they are written), so the cue times it writes (with `-copyts`) are
/// compared with the uploaded ones, and the map is compared separately with the video's first presentation time.
@Suite("Captions end to end with ffmpeg", .serialized) struct CaptionPlaybackEndToEndTests {
    static let frame = 1.0 / 30

    /// "café", "naïve" and curly quotes in Windows-1252, CRLF line ends, as a Windows subtitle editor saves them.
    static let frenchSRT: Data = {
        // Written as Latin-1 text, then the curly quotes swapped in: Windows-1252 puts them at 0x93 and 0x94.
        let text =
            """
            1\r\n00:00:01,000 --> 00:00:02,500\r\nBonjour, café\r\n\r\n2\r\n00:00:05,200 --> 00:00:06,800\r\n\
            naïve {ok}\r\n\r\n3\r\n00:00:07,250 --> 00:00:07,900\r\n<i>fin</i>\r\n
            """
        let bytes: [UInt8] = text.unicodeScalars.map { scalar in
            switch scalar {
            case "{": 0x93
            case "}": 0x94
            default: UInt8(scalar.value)
            }
        }
        return Data(bytes)
    }()
    static let englishVTT = Data(
        """
        WEBVTT\n\nNOTE second language\n\n00:00:00.500 --> 00:00:01.500 align:start\nHello\n\n\
        00:00:03.000 --> 00:00:07.500\nacross the segment boundary\n
        """
        .utf8
    )

    @Test func ffmpegReadsBothTracksThroughTheMasterPlaylist() async throws {
        let world = try await TestWorld.make()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("captions-e2e-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        // Given a real encode (8 s, two rungs, audio) published as a ready lecture
        try await Tool.check(
            "ffmpeg",
            [
                "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=426x240:r=30:d=8",
                "-f", "lavfi", "-i", "sine=f=440:d=8:sample_rate=48000", "-c:v", "libx264", "-preset", "ultrafast",
                "-c:a", "aac", "-ac", "2", folder + "/clip.mp4",
            ]
        )
        let transcode = try await BuiltProducts.run(
            "lectern",
            ["transcode", folder + "/clip.mp4", folder + "/out", "--ladder", "144,240"]
        )
        try #require(transcode.status == 0, "lectern transcode: \(transcode.stderr)")
        let record = try await publish(folder + "/out", in: world)

        let professor = try await world.token(.professor, courses: ["CS101"])
        let server = try APIServer(application: world.app, host: "127.0.0.1", port: 0)
        let running = Task { try await server.run() }
        defer { running.cancel() }
        try await server.waitUntilListening(timeout: 30)
        let port = try #require(await server.port)
        let base = "http://127.0.0.1:\(port)"

        // When the professor uploads the SRT (French) and the WebVTT (English, default)
        for (file, query, type) in [
            (Self.frenchSRT, "language=fr&label=Fran%C3%A7ais&kind=subtitles", "application/x-subrip"),
            (Self.englishVTT, "language=en&label=English&default=true", "text/vtt"),
        ] {
            let answer = try await TestWorld.transport.execute(
                HTTPRequest(
                    method: "POST",
                    url: URL(string: "\(base)/v1/lectures/\(record.lectureId)/captions?\(query)")!,
                    headers: ["Authorization": "Bearer \(professor)", "Content-Type": type],
                    body: .data(file)
                )
            )
            try #require(answer.status == 201, "\(String(decoding: answer.body, as: UTF8.self))")
            #expect(answer.headers["Lectern-Caption-Encoding"] == (type == "text/vtt" ? "utf-8" : "windows-1252"))
        }
        let lecture = try await TestWorld.transport.execute(
            HTTPRequest(
                method: "GET",
                url: URL(string: "\(base)/v1/lectures/\(record.lectureId)")!,
                headers: ["Authorization": "Bearer \(professor)"]
            )
        )
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let view = try decoder.decode(LectureView.self, from: lecture.body)
        let hls = try #require(view.playback?.hls)
        #expect(view.playback?.captions?.map(\.language) == ["fr", "en"])

        // Players start on the first variant the API serves: the tallest rung up to 720p, the rest of the ladder kept.
        // (The transcoder lists rungs tallest first whatever the order asked, so here the order is already right;
        // `MasterPlaylistEditorTests` shows the reordering.)
        let master = base + hls
        let served = try await TestWorld.transport.execute(HTTPRequest(method: "GET", url: URL(string: master)!))
        let variants = String(decoding: served.body, as: UTF8.self).split(separator: "\n").filter {
            $0.hasPrefix("#EXT-X-STREAM-INF:")
        }
        #expect(variants.count == 3)
        #expect(variants.first?.contains("RESOLUTION=426x240") == true, "\(variants)")

        // Then ffmpeg, given only the master playlist's URL (with its grant), writes both subtitle streams
        try await Tool.check(
            "ffmpeg",
            [
                "-nostdin", "-y", "-v", "error", "-copyts", "-strict", "experimental", "-i", master,
                "-map", "0:s:0", folder + "/fr.vtt", "-map", "0:s:1", folder + "/en.vtt",
            ]
        )
        try expectSameCues(written: folder + "/fr.vtt", uploaded: Self.frenchSRT)
        try expectSameCues(written: folder + "/en.vtt", uploaded: Self.englishVTT)
        let french = try String(contentsOfFile: folder + "/fr.vtt", encoding: .utf8)
        #expect(french.contains("Bonjour, café") && french.contains("naïve “ok”"))

        // And each segment's X-TIMESTAMP-MAP puts cue time 0 where the video's first frame is presented
        let probe = try await Tool.check(
            "ffprobe",
            [
                "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
                "-show_entries", "packet=pts_time", "-of", "csv=p=0", master,
            ]
        )
        let firstVideo = try #require(
            Double(probe.stdout.split(whereSeparator: \.isNewline).first.map(String.init) ?? "")
        )
        let stored = try await world.services.store.get(record.lectureId)
        let track = try #require(stored?.captions?.first)
        let segment = try await world.services.s3.getObject(
            bucket: world.services.bucket,
            key: track.prefix(lectureID: record.lectureId) + CaptionSegmenter.segmentName(0)
        ).body
        let map = try #require(String(decoding: segment, as: UTF8.self).split(separator: "\n").dropFirst().first)
        let mpegts = try #require(Double(map.split(separator: ":")[1].prefix { $0 != "," }))
        #expect(abs(mpegts / 90_000 - firstVideo) <= Self.frame, "map \(map), first video frame at \(firstVideo) s")
        #expect(mpegts > 0, "the transcoder delays the picture (B-frames), so the map cannot be zero")

        await server.stop()
    }

    /// The cues ffmpeg wrote have the uploaded file's times (± one frame) and count (ffmpeg drops the repeats of a
    /// cue that spans a segment boundary).
    func expectSameCues(written path: String, uploaded: Data) throws {
        guard
            case .parsed(let output) = CaptionParser.parse(
                try Data(contentsOf: URL(fileURLWithPath: path)),
                durationSeconds: nil
            ),
            case .parsed(let input) = CaptionParser.parse(uploaded, durationSeconds: nil)
        else {
            Issue.record(
                """
                \(path) or the upload does not parse: \
                \((try? String(contentsOfFile: path, encoding: .utf8)) ?? "missing")
                """
            )
            return
        }
        #expect(output.cues.count == input.cues.count, "\(output.cues.map(\.text)) vs \(input.cues.map(\.text))")
        for (written, sent) in zip(output.cues, input.cues) {
            #expect(
                abs(Double(written.startMilliseconds - sent.startMilliseconds)) / 1000 <= Self.frame,
                "\(written) vs \(sent)"
            )
            #expect(
                abs(Double(written.endMilliseconds - sent.endMilliseconds)) / 1000 <= Self.frame,
                "\(written) vs \(sent)"
            )
        }
    }

    /// Uploads a transcoder output folder as a published version and records the lecture as ready.
    func publish(_ folder: String, in world: TestWorld) async throws -> LectureRecord {
        let id = ObjectKeys.newLectureID()
        let version = ObjectKeys.newOutputVersion()
        let prefix = ObjectKeys.renditionPrefix(lectureID: id, version: version)
        let enumerator = try #require(FileManager.default.enumerator(atPath: folder))
        for case let relative as String in enumerator {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            try await world.services.s3.putObject(
                bucket: world.services.bucket,
                key: prefix + relative,
                fileAt: folder + "/" + relative
            )
        }
        struct Manifest: Decodable { var duration: Double }
        let manifest = try JSONDecoder().decode(
            Manifest.self,
            from: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))
        )
        let source = ObjectKeys.source(lectureID: id)
        var record = LectureRecord(
            lectureId: id,
            courseId: "CS101",
            ownerId: "professor-1",
            title: "Encoded",
            filename: "clip.mp4",
            contentType: "video/mp4",
            sizeBytes: 1,
            sourceKey: source,
            state: .ready
        )
        record.publishedVersion = version
        record.publishedPrefix = prefix
        record.jobVersion = version
        record.durationSeconds = manifest.duration
        try await world.services.store.create(record)
        return record
    }
}

/// ffmpeg and ffprobe as independent readers, run without blocking a cooperative thread (the API under test
/// answers them from this same process).
enum Tool {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }
    struct Failure: Error, CustomStringConvertible { var description: String }

    @discardableResult
    static func check(_ name: String, _ arguments: [String]) async throws -> Output {
        let result = try await ChildProcess.run(name, arguments)
        let output = Output(status: result.status, stdout: result.text, stderr: result.stderr)
        guard output.status == 0 else {
            throw Failure(description: "\(name) \(arguments.joined(separator: " ")): \(output.stderr)")
        }
        return output
    }
}
