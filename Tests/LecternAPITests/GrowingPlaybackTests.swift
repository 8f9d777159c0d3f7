import AWS
import Foundation
import LecternAPI
import LecternCore
import LecternTestSupport
import Testing

/// Watching a lecture while it encodes (issue #15): the lecture view says how far it plays, and the HLS routes serve
/// growing EVENT playlists of the chunks done from the start, built from S3 laid out per the chunk contract
/// (`GrowingFixture`; the worker's own chunking is tested in LecternWorkerTests).
@Suite("Growing playlists while a lecture encodes", .serialized) struct GrowingPlaybackTests {
    /// URI lines of a playlist (not tags).
    func uriLines(_ playlist: String) -> [String] {
        playlist.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("#") && !$0.isEmpty }.map(String.init)
    }

    /// The object name at the end of a presigned link.
    func objectName(_ link: String) -> String {
        String(link.prefix { $0 != "?" }.split(separator: "/").last ?? "")
    }

    func lecture(_ client: APIClient, _ id: String, token: String) async throws -> LectureView {
        let answer = try await client.call("GET", "/v1/lectures/\(id)", token: token)
        try #require(answer.status == 200, "\(answer.status) \(answer.text)")
        return try answer.decode(LectureView.self)
    }

    @Test func twoOfThreeChunksPlayAsAnEventPlaylistWithoutAnEnd() async throws {
        let world = try await TestWorld.make()
        let fixture = try await GrowingFixture.make(in: world, done: [0, 1], audioDone: true)
        let student = try await world.token(.student, courses: ["CS101"])
        let id = fixture.record.lectureId
        try await world.withClient(.inProcess) { client in
            // The lecture view: playable through 8 s, 2 of 3 parts, links as for a ready lecture.
            let view = try await lecture(client, id, token: student)
            #expect(view.state == "processing")
            let playable = try #require(view.playable)
            #expect(playable.playableThrough == 8)
            #expect(playable.partsDone == 2 && playable.partsTotal == 3)
            #expect(abs(playable.encodedFraction - 2.0 / 3) < 0.001)
            #expect(view.progress?.partsDone == 2 && view.progress?.partsTotal == 3)
            let playback = try #require(view.playback)
            #expect(playback.status == "encoding")
            #expect(playback.hls.hasPrefix("/v1/lectures/\(id)/hls/master.m3u8?grant="))
            #expect(playback.mp4 == nil)
            #expect(playback.renditions.map(\.name) == ["180p", "144p"])

            // The master: both rungs and the audio, each leading to the API's growing playlists with the grant.
            let master = try await client.call("GET", "/v1/lectures/\(id)/hls/master.m3u8", token: student)
            #expect(master.status == 200, "\(master.text)")
            #expect(master.header("Cache-Control") == "private, no-cache")
            #expect(master.text.contains("RESOLUTION=320x180") && master.text.contains("RESOLUTION=256x144"))
            #expect(master.text.contains(#"TYPE=AUDIO,GROUP-ID="audio""#))
            let variants = Set(uriLines(master.text).map { String($0.prefix { $0 != "?" }) })
            #expect(variants == ["video~180p~playlist.m3u8", "video~144p~playlist.m3u8", "audio~playlist.m3u8"])

            for rung in ["180p", "144p"] {
                let media = try await client.call(
                    "GET",
                    "/v1/lectures/\(id)/hls/video~\(rung)~playlist.m3u8",
                    token: student
                )
                #expect(media.status == 200, "\(media.text)")
                #expect(media.text.contains("#EXT-X-PLAYLIST-TYPE:EVENT"))
                #expect(!media.text.contains("#EXT-X-ENDLIST"))
                #expect(media.text.contains("#EXT-X-START:TIME-OFFSET=0,PRECISE=YES"))
                // Cached no longer than a target duration (2 s here): half of it.
                #expect(media.header("Cache-Control") == "private, max-age=1")
                let expected =
                    try fixture.segmentNames(chunk: 0, rung: rung) + fixture.segmentNames(chunk: 1, rung: rung)
                #expect(expected.count == 4)
                let links = uriLines(media.text)
                #expect(links.map(objectName) == expected)
                // Segments at their published names; the init segment is chunk 0's.
                #expect(links.allSatisfy { $0.contains(fixture.prefix + "video/\(rung)/") })
                #expect(media.text.contains(fixture.prefix + "chunks/000/video/\(rung)/init.mp4"))
                for link in links + [try #require(URL(string: links[0])).absoluteString] {
                    #expect(try await TestWorld.get(try #require(URL(string: link))).status == 200)
                }
            }

            // A player reloads the playlist every few seconds: it lists the same links each time (signed at the start
            // of the current quarter of their lifetime), unless a quarter ended between the two reloads.
            let quarter = 3600.0 / 4
            let first = Date()
            let once = try await client.call("GET", "/v1/lectures/\(id)/hls/video~180p~playlist.m3u8", token: student)
            try await Task.sleep(for: .milliseconds(1100))
            let again = try await client.call("GET", "/v1/lectures/\(id)/hls/video~180p~playlist.m3u8", token: student)
            if (first.timeIntervalSince1970 / quarter).rounded(.down)
                == (Date().timeIntervalSince1970 / quarter).rounded(.down)
            {
                #expect(once.text == again.text)
            }

            // The sound stops where the picture does: 8 s of it, as an EVENT playlist too.
            let audio = try await client.call("GET", "/v1/lectures/\(id)/hls/audio~playlist.m3u8", token: student)
            #expect(audio.status == 200, "\(audio.text)")
            #expect(!audio.text.contains("#EXT-X-ENDLIST") && audio.text.contains("#EXT-X-PLAYLIST-TYPE:EVENT"))
            let durations = audio.text.split(whereSeparator: \.isNewline).compactMap { line -> Double? in
                guard line.hasPrefix("#EXTINF:") else { return nil }
                return Double(line.dropFirst(8).prefix { $0 != "," })
            }
            #expect(abs(durations.reduce(0, +) - 8) < 0.1, "\(durations)")

            // Unknown rungs are 404s, as for a ready lecture.
            #expect(
                try await client.call("GET", "/v1/lectures/\(id)/hls/video~1080p~playlist.m3u8", token: student).status
                    == 404
            )
        }
    }

    @Test func aGapStopsThePlaylistAtTheLastChunkBeforeIt() async throws {
        let world = try await TestWorld.make()
        let fixture = try await GrowingFixture.make(in: world, done: [0, 2], audioDone: true)
        let student = try await world.token(.student, courses: ["CS101"])
        let id = fixture.record.lectureId
        try await world.withClient(.inProcess) { client in
            let view = try await lecture(client, id, token: student)
            #expect(view.playable?.playableThrough == 4)
            #expect(view.playable?.partsDone == 2)
            let media = try await client.call("GET", "/v1/lectures/\(id)/hls/video~180p~playlist.m3u8", token: student)
            #expect(media.status == 200, "\(media.text)")
            #expect(uriLines(media.text).map(objectName) == (try fixture.segmentNames(chunk: 0, rung: "180p")))
        }
    }

    /// With keyframes placed by content a later part may hold a longer segment than the first: the playlist
    /// declares the split's longest from the first part on, so its target duration never changes as it grows.
    @Test func theTargetDurationIsTheSplitsLongestSegmentFromTheFirstPartOn() async throws {
        let world = try await TestWorld.make()
        let fixture = try await GrowingFixture.make(in: world, done: [0], audioDone: true, targetDuration: 8)
        let student = try await world.token(.student, courses: ["CS101"])
        let id = fixture.record.lectureId
        try await world.withClient(.inProcess) { client in
            let media = try await client.call("GET", "/v1/lectures/\(id)/hls/video~180p~playlist.m3u8", token: student)
            #expect(media.status == 200, "\(media.text)")
            // The part's own playlist says 2 (its 2 s segments).
            #expect(media.text.contains("#EXT-X-TARGETDURATION:8\n"), "\(media.text)")
            #expect(media.header("Cache-Control") == "private, max-age=4")
        }
    }

    @Test func withoutTheSoundNothingPlaysYet() async throws {
        let world = try await TestWorld.make()
        let fixture = try await GrowingFixture.make(in: world, done: [0, 1], audioDone: false)
        let professor = try await world.token(.professor, courses: ["CS101"])
        let student = try await world.token(.student, courses: ["CS101"])
        let id = fixture.record.lectureId
        try await world.withClient(.inProcess) { client in
            let view = try await lecture(client, id, token: professor)
            #expect(view.playable == nil)
            #expect(view.playback == nil)
            #expect(view.progress?.partsDone == 2)
            let master = try await client.call("GET", "/v1/lectures/\(id)/hls/master.m3u8", token: professor)
            #expect(master.status == 409)
            // A student does not see a lecture that cannot be watched yet.
            #expect(try await client.call("GET", "/v1/lectures/\(id)", token: student).status == 404)
        }
    }

    @Test func aStudentCannotPlayADraftsGrowingStream() async throws {
        let world = try await TestWorld.make()
        let fixture = try await GrowingFixture.make(in: world, done: [0, 1], audioDone: true, visibility: .draft)
        let professor = try await world.token(.professor, courses: ["CS101"])
        let student = try await world.token(.student, courses: ["CS101"])
        let id = fixture.record.lectureId
        try await world.withClient(.inProcess) { client in
            let view = try await lecture(client, id, token: professor)
            let hls = try #require(view.playback?.hls)
            // The grant the professor was given does not open it for a student, nor does the student's token.
            #expect(try await client.call("GET", "/v1/lectures/\(id)", token: student).status == 404)
            #expect(try await client.call("GET", "/v1/lectures/\(id)/hls/master.m3u8", token: student).status == 404)
            #expect(
                try await client.call("GET", "/v1/lectures/\(id)/hls/video~180p~playlist.m3u8", token: student).status
                    == 404
            )
            let list = try await client.call("GET", "/v1/courses/CS101/lectures", token: student)
            #expect(try list.decode(LecturePage.self).lectures.isEmpty)
            // The professor's own player does play it.
            let grant = String(hls.split(separator: "=", maxSplits: 1)[1])
            let master = try await client.call(
                "GET",
                "/v1/lectures/\(id)/hls/master.m3u8",
                query: ["grant": grant]
            )
            #expect(master.status == 200)
        }
    }

    @Test func aPublishedGrowingLectureIsListedForStudents() async throws {
        let world = try await TestWorld.make()
        let fixture = try await GrowingFixture.make(in: world, done: [0], audioDone: true)
        let student = try await world.token(.student, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            let list = try await client.call("GET", "/v1/courses/CS101/lectures", token: student)
            let lectures = try list.decode(LecturePage.self).lectures
            #expect(lectures.map(\.id) == [fixture.record.lectureId])
            #expect(lectures.first?.playable?.playableThrough == 4)
        }
    }

    /// The ffmpeg CLI as the student's player: given only the master playlist's URL (with its grant), it reads the
    /// growing playlists through the live API (starting at the first segment, as an EVENT playlist allows, and
    /// giving up after reloads bring nothing new) and decodes exactly the done chunks' frames.
    @Test func ffmpegPlaysExactlyTheDoneChunks() async throws {
        let world = try await TestWorld.make()
        let fixture = try await GrowingFixture.make(in: world, done: [0, 1], audioDone: true)
        let student = try await world.token(.student, courses: ["CS101"])
        let server = try APIServer(application: world.app, host: "127.0.0.1", port: 0)
        let running = Task { try await server.run() }
        defer { running.cancel() }
        try await server.waitUntilListening(timeout: 30)
        let port = try #require(await server.port)
        let base = "http://127.0.0.1:\(port)"
        var view: LectureView?
        try await world.withClient(.inProcess) { client in
            view = try await lecture(client, fixture.record.lectureId, token: student)
        }
        let hls = try #require(view?.playback?.hls)
        let frames = fixture.encoded.folder + "/frames-\(UUID().uuidString).txt"
        // `-m3u8_hold_counters 2`: FFmpeg 5.1 counts the first segment at media sequence 0 as one reload without news
        // (its `last_seq_no` starts at 0), so 1 would stop before reading anything; 2 stops after one idle reload.
        try await Tool.check(
            "ffmpeg",
            [
                "-nostdin", "-y", "-v", "error", "-live_start_index", "0", "-m3u8_hold_counters", "2", "-i", base + hls,
                "-map", "0:v:0", "-f", "framecrc", frames,
            ]
        )
        let lines = try String(contentsOfFile: frames, encoding: .utf8).split(whereSeparator: \.isNewline)
        #expect(lines.filter { !$0.hasPrefix("#") }.count == 2 * GrowingFixture.framesPerChunk)
        await server.stop()
    }
}
