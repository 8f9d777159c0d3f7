import AWS
import Foundation
import LecternAPI
import LecternCore
import Testing

/// The caption routes against moto (real S3 and DynamoDB), on the hand-written published lecture (two video
/// segments, 6 s + 4 s).
@Suite("Caption tracks through the API") struct CaptionAPITests {
    static let vtt = Data(
        """
        WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello <b onclick="x">class</b>\n\n\
        00:00:05.500 --> 00:00:07.000\nacross the boundary\n
        """
        .utf8
    )
    static let srt = Data("1\r\n00:00:01,000 --> 00:00:03,000\r\nBonjour\r\n".utf8)

    struct Track: Decodable {
        var id: String, language: String, label: String, kind: String, source: String, version: String
        var `default`: Bool, cueCount: Int, updatedAt: Date, vtt: URL
    }
    struct TrackList: Decodable { var tracks: [Track] }
    struct FileProblem: Decodable {
        struct LineError: Decodable {
            var line: Int
            var message: String
        }
        var type: String, status: Int, detail: String, errors: [LineError], errorCount: Int, encoding: String?
    }

    func add(
        _ client: APIClient,
        _ lecture: String,
        token: String,
        _ file: Data,
        query: [String: String],
        type: String = "text/vtt"
    ) async throws -> APIResponse {
        try await client.call(
            "POST",
            "/v1/lectures/\(lecture)/captions",
            token: token,
            query: query,
            headers: ["Content-Type": type],
            body: file
        )
    }

    @Test(arguments: Via.allCases) func addReplaceEditDeleteAndDefault(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let lecture = fixture.record.lectureId
        let professor = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(via) { client in
            // Given two tracks, the second one default
            let english = try await add(
                client,
                lecture,
                token: professor,
                Self.vtt,
                query: ["language": "en", "label": "English"]
            )
            #expect(english.status == 201, "\(english.text)")
            let first = try english.decode(Track.self)
            #expect(english.header("Location") == "/v1/lectures/\(lecture)/captions/\(first.id)")
            #expect(first.cueCount == 2 && first.source == "professor" && first.kind == "captions" && !first.default)
            let french = try await add(
                client,
                lecture,
                token: professor,
                Self.srt,
                query: ["language": "fr", "label": "Français", "kind": "subtitles", "default": "true"],
                type: "application/x-subrip"
            )
            #expect(french.status == 201, "\(french.text)")
            let second = try french.decode(Track.self)
            #expect(second.default && second.kind == "subtitles" && second.label == "Français")

            // The whole track is sanitised WebVTT behind a presigned link.
            let whole = try await TestWorld.get(first.vtt)
            #expect(whole.status == 200)
            let text = String(decoding: whole.body, as: UTF8.self)
            #expect(text.hasPrefix("WEBVTT\n") && text.contains("Hello <b>class</b>") && !text.contains("onclick"))

            // When the first becomes the default, the second stops being it
            let patched = try await client.call(
                "PATCH",
                "/v1/lectures/\(lecture)/captions/\(first.id)",
                token: professor,
                body: Data(#"{"default":true,"label":"English (CC)"}"#.utf8)
            )
            #expect(patched.status == 200, "\(patched.text)")
            var list = try await client.call("GET", "/v1/lectures/\(lecture)/captions", token: professor).decode(
                TrackList.self
            )
            #expect(list.tracks.map(\.default) == [true, false])
            #expect(list.tracks[0].label == "English (CC)")

            // Replacing publishes a new version under a new prefix; the old files stay readable
            let replaced = try await client.call(
                "PUT",
                "/v1/lectures/\(lecture)/captions/\(second.id)",
                token: professor,
                headers: ["Content-Type": "text/vtt"],
                body: Self.vtt
            )
            #expect(replaced.status == 200, "\(replaced.text)")
            let third = try replaced.decode(Track.self)
            #expect(
                third.id == second.id && third.version != second.version && third.cueCount == 2
                    && third.language == "fr"
            )
            #expect(try await TestWorld.get(second.vtt).status == 200)

            // Deleting removes it from the list and from the lecture view
            #expect(
                try await client.call("DELETE", "/v1/lectures/\(lecture)/captions/\(first.id)", token: professor).status
                    == 204
            )
            list = try await client.call("GET", "/v1/lectures/\(lecture)/captions", token: professor).decode(
                TrackList.self
            )
            #expect(list.tracks.map(\.id) == [second.id])
            let view = try await client.call("GET", "/v1/lectures/\(lecture)", token: professor).decode(
                LectureView.self
            )
            #expect(view.playback?.captions?.map(\.id) == [second.id])
            #expect(
                try await client.call("DELETE", "/v1/lectures/\(lecture)/captions/\(first.id)", token: professor).status
                    == 404
            )
        }
    }

    @Test func aMachineDraftSavedByAProfessorBecomesTheirs() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let publisher = CaptionPublisher(
            store: world.services.store,
            s3: world.services.s3,
            bucket: world.services.bucket
        )
        let draft = try await publisher.publish(
            lectureID: fixture.record.lectureId,
            track: CaptionTrackInput(language: "en", label: "English (auto)", source: .machine),
            file: Self.vtt
        )
        #expect(draft.source == .machine)
        let professor = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            let saved = try await client.call(
                "PUT",
                "/v1/lectures/\(fixture.record.lectureId)/captions/\(draft.id)",
                token: professor,
                headers: ["Content-Type": "text/vtt"],
                body: Self.vtt
            )
            #expect(try saved.decode(Track.self).source == "professor")
        }
    }

    @Test func whoMayDoWhat() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let lecture = fixture.record.lectureId
        let professor = try await world.token(.professor, courses: ["CS101"])
        let otherProfessor = try await world.token(.professor, user: "professor-2", courses: ["MATH2"])
        let student = try await world.token(.student, courses: ["CS101"])
        let outsider = try await world.token(.student, user: "student-9", courses: ["MATH2"])
        try await world.withClient(.inProcess) { client in
            let created = try await add(client, lecture, token: professor, Self.vtt, query: ["language": "en"])
            #expect(created.status == 201)
            let track = try created.decode(Track.self)
            #expect(track.label == "en")
            // Students of the course read every track; nobody outside the course reads any.
            #expect(
                try await client.call("GET", "/v1/lectures/\(lecture)/captions", token: student).decode(TrackList.self)
                    .tracks.count == 1
            )
            #expect(try await client.call("GET", "/v1/lectures/\(lecture)/captions", token: outsider).status == 403)
            #expect(
                try await client.call("GET", "/v1/lectures/\(lecture)/captions", token: otherProfessor).status == 403
            )
            // Only the course's professors change them.
            #expect(try await add(client, lecture, token: student, Self.vtt, query: ["language": "en"]).status == 403)
            #expect(
                try await add(client, lecture, token: otherProfessor, Self.vtt, query: ["language": "en"]).status == 403
            )
            #expect(
                try await client.call(
                    "PATCH",
                    "/v1/lectures/\(lecture)/captions/\(track.id)",
                    token: student,
                    body: Data(#"{"default":true}"#.utf8)
                ).status == 403
            )
            #expect(
                try await client.call(
                    "PUT",
                    "/v1/lectures/\(lecture)/captions/\(track.id)",
                    token: student,
                    headers: ["Content-Type": "text/vtt"],
                    body: Self.vtt
                ).status == 403
            )
            #expect(
                try await client.call("DELETE", "/v1/lectures/\(lecture)/captions/\(track.id)", token: student).status
                    == 403
            )
            #expect(try await client.call("GET", "/v1/lectures/\(lecture)/captions", token: nil).status == 401)
        }
    }

    @Test func badInputIsExplained() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let lecture = fixture.record.lectureId
        let professor = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            // A Windows-1252 SRT with two mistakes: every problem with its line, and the encoding it was read as
            var file =
                Data("1\r\n00:00:01,000 --> 00:00:02,000\r\nCaf".utf8) + Data([0xE9])
                + Data(
                    """
                    \r\n\r\n2\r\n00:00:04,000 --> 00:00:03,000\r\nbackwards\r\n\r\n\
                    3\r\n00:00:09,000 --> 00:00:12,000\r\ntoo late\r\n
                    """
                    .utf8
                )
            var answer = try await add(
                client,
                lecture,
                token: professor,
                file,
                query: ["language": "fr"],
                type: "application/octet-stream"
            )
            #expect(answer.status == 422)
            #expect(answer.header("Content-Type") == "application/problem+json")
            let problem = try answer.decode(FileProblem.self)
            #expect(problem.errors.map(\.line) == [6, 10])
            #expect(problem.errorCount == 2)
            #expect(problem.encoding == "windows-1252")
            #expect(problem.detail.contains("save it as UTF-8"))

            // Over 50 problems: the first 50, and how many there were
            file = Data(("WEBVTT\n\n" + (0..<70).map { _ in "00:00:02.000 --> 00:00:01.000\nx\n\n" }.joined()).utf8)
            answer = try await add(client, lecture, token: professor, file, query: ["language": "en"])
            let many = try answer.decode(FileProblem.self)
            #expect(many.errors.count == 50 && many.errorCount == 70)

            // Too large
            answer = try await add(
                client,
                lecture,
                token: professor,
                Data(count: (4 << 20) + 1),
                query: ["language": "en"]
            )
            #expect(answer.status == 413)
            // Not a language tag, not a kind, a JSON content type
            #expect(
                try await add(client, lecture, token: professor, Self.vtt, query: ["language": "english!"]).status
                    == 422
            )
            #expect(
                try await add(
                    client,
                    lecture,
                    token: professor,
                    Self.vtt,
                    query: ["language": "en", "kind": "chapters"]
                ).status == 400
            )
            #expect(try await add(client, lecture, token: professor, Self.vtt, query: [:]).status == 400)
            #expect(
                try await add(
                    client,
                    lecture,
                    token: professor,
                    Self.vtt,
                    query: ["language": "en"],
                    type: "application/json"
                ).status == 415
            )
            // A label that tries to break out of the playlist's quotes is refused (and would be neutralised anyway)
            #expect(
                try await add(
                    client,
                    lecture,
                    token: professor,
                    Self.vtt,
                    query: ["language": "en", "label": "x\"\n#EXT-X-ENDLIST"]
                ).status == 422
            )
            // Nothing was published by any of these
            #expect(
                try await client.call("GET", "/v1/lectures/\(lecture)/captions", token: professor).decode(
                    TrackList.self
                ).tracks.isEmpty
            )
        }
    }

    @Test func notBeforeTheLectureIsReady() async throws {
        let world = try await TestWorld.make()
        let lecture = try await world.uploadedLecture(complete: true)
        let professor = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            let answer = try await add(client, lecture, token: professor, Self.vtt, query: ["language": "en"])
            #expect(answer.status == 409)
            #expect(answer.problem?.detail.contains("once the lecture has finished processing") == true)
            #expect(
                try await client.call("GET", "/v1/lectures/\(lecture)/captions", token: professor).decode(
                    TrackList.self
                ).tracks.isEmpty
            )
        }
    }

    @Test func masterPlaylistCarriesSubtitleRenditions() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let lecture = fixture.record.lectureId
        let professor = try await world.token(.professor, courses: ["CS101"])
        let student = try await world.token(.student, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            let track = try await add(
                client,
                lecture,
                token: professor,
                Self.vtt,
                query: ["language": "en", "label": "English \"CC\"", "default": "true"]
            ).decode(Track.self)
            let master = try await client.call("GET", "/v1/lectures/\(lecture)/hls/master.m3u8", token: student)
            let lines = master.text.split(separator: "\n").map(String.init)
            let media = try #require(lines.first { $0.hasPrefix("#EXT-X-MEDIA:TYPE=SUBTITLES") })
            #expect(
                media.hasPrefix(
                    #"""
                    #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English ”CC”",LANGUAGE="en",DEFAULT=YES,\#
                    AUTOSELECT=YES,FORCED=NO,URI="captions/\#(track.id).m3u8?grant=
                    """#
                )
            )
            let variants = lines.filter { $0.hasPrefix("#EXT-X-STREAM-INF:") }
            #expect(variants.count == 3 && variants.allSatisfy { $0.hasSuffix(#",SUBTITLES="subs""#) })

            // The subtitle playlist (with the master's grant, as a player follows it) lists one presigned segment per
            // video segment, each mapped to the media timeline.
            let uri = String(media.split(separator: "URI=\"")[1].dropLast())
            let grant = String(uri.split(separator: "grant=")[1])
            let playlist = try await client.call(
                "GET",
                "/v1/lectures/\(lecture)/hls/" + String(uri.prefix { $0 != "?" }),
                query: ["grant": grant]
            )
            #expect(playlist.status == 200, "\(playlist.text)")
            #expect(playlist.text.contains("#EXTINF:6.000000,") && playlist.text.contains("#EXTINF:4.000000,"))
            let links = playlist.text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
                URL(string: String($0))
            }
            #expect(links.count == 2)
            var bodies: [String] = []
            for link in links {
                let answer = try await TestWorld.get(link)
                #expect(answer.status == 200)
                bodies.append(String(decoding: answer.body, as: UTF8.self))
            }
            #expect(bodies.allSatisfy { $0.hasPrefix("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n") })
            #expect(
                bodies[0].contains("Hello") && bodies[0].contains("across") && bodies[1].contains("across")
                    && !bodies[1].contains("Hello")
            )

            // A grant for this lecture does not open another lecture's track, and unknown tracks are 404s.
            #expect(
                try await client.call("GET", "/v1/lectures/\(lecture)/hls/captions/cap_nothere.m3u8", token: student)
                    .status == 404
            )
        }
    }

    @Test func lectureDeleteRemovesEveryCaptionFile() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let lecture = fixture.record.lectureId
        let professor = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            let track = try await add(client, lecture, token: professor, Self.vtt, query: ["language": "en"]).decode(
                Track.self
            )
            _ = try await client.call(
                "PUT",
                "/v1/lectures/\(lecture)/captions/\(track.id)",
                token: professor,
                headers: ["Content-Type": "text/vtt"],
                body: Self.vtt
            )
            let prefix = ObjectKeys.captionsPrefix(lectureID: lecture)
            #expect(try await world.services.s3.listAll(bucket: world.services.bucket, prefix: prefix).count == 2 * 4)
            #expect(try await client.call("DELETE", "/v1/lectures/\(lecture)", token: professor).status == 204)
            #expect(try await world.services.s3.listAll(bucket: world.services.bucket, prefix: prefix).isEmpty)
        }
    }

    /// Replaced versions stay until the grace has passed, then the next write deletes them.
    @Test func retiredVersionsAreDeletedAfterTheGrace() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let lecture = fixture.record.lectureId
        let publisher = CaptionPublisher(
            store: world.services.store,
            s3: world.services.s3,
            bucket: world.services.bucket,
            retiredGraceSeconds: 60
        )
        let input = CaptionTrackInput(language: "en", label: "English")
        let start = Date()
        let first = try await publisher.publish(lectureID: lecture, track: input, file: Self.vtt, now: start)
        _ = try await publisher.publish(
            lectureID: lecture,
            track: input,
            file: Self.vtt,
            replacing: first.id,
            now: start.addingTimeInterval(1)
        )
        let oldFiles = {
            try await world.services.s3.listAll(bucket: world.services.bucket, prefix: first.prefix(lectureID: lecture))
                .count
        }
        #expect(try await oldFiles() == 4)
        _ = try await publisher.update(
            lectureID: lecture,
            trackID: first.id,
            change: .init(label: "still within the grace"),
            now: start.addingTimeInterval(30)
        )
        #expect(try await oldFiles() == 4)
        _ = try await publisher.update(
            lectureID: lecture,
            trackID: first.id,
            change: .init(label: "after"),
            now: start.addingTimeInterval(62)
        )
        #expect(try await oldFiles() == 0)
        #expect(try await world.services.store.get(lecture)?.retiredCaptions == [])
    }
}
