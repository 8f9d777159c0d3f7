import AWS
import Foundation
import LecternAPI
import LecternCore
import Testing

@Suite("Reading lectures and playing them") struct PlaybackTests {
    /// URIs in a playlist: URI lines and URI="…" attributes.
    func uris(in playlist: String) -> [String] {
        playlist.split(whereSeparator: \.isNewline).flatMap { line -> [String] in
            if !line.hasPrefix("#") { return [String(line)] }
            guard let start = line.range(of: "URI=\"") else { return [] }
            return [String(line[start.upperBound...].prefix { $0 != "\"" })]
        }
    }

    @Test(arguments: Via.allCases) func everyPlaylistLinkLeadsToTheRightBytes(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let student = try await world.token(.student, courses: ["CS101"])
        let base = "/v1/lectures/\(fixture.record.lectureId)/hls/"
        try await world.withClient(via) { client in
            let master = try await client.call("GET", base + "master.m3u8", token: student)
            #expect(master.status == 200)
            #expect(master.header("Content-Type") == "application/vnd.apple.mpegurl")
            // Each variant link carries a playback grant (players cannot send headers); the path is what counts here.
            let links = uris(in: master.text)
            #expect(links.allSatisfy { $0.contains("?grant=") })
            let variants = links.map { String($0.prefix { $0 != "?" }) }
            #expect(
                variants.sorted() == [
                    "audio~playlist.m3u8", "audio~playlist.m3u8", "video~360p~playlist.m3u8",
                    "video~720p~playlist.m3u8",
                ]
            )
            #expect(master.text.contains(#"CODECS="avc1.64001f,mp4a.40.2""#))

            var fetched = 0
            for variant in Set(variants) {
                let media = try await client.call("GET", base + variant, token: student)
                #expect(media.status == 200, "\(variant): \(media.text)")
                let directory = variant.replacingOccurrences(of: "~playlist.m3u8", with: "").replacingOccurrences(
                    of: "~",
                    with: "/"
                )
                let links = uris(in: media.text)
                #expect(links.count == 3)
                for link in links {
                    let url = try #require(URL(string: link))
                    #expect(url.query?.contains("X-Amz-Signature=") == true)
                    let answer = try await TestWorld.get(url)
                    #expect(answer.status == 200)
                    let name = url.path.split(separator: "/").last.map(String.init) ?? ""
                    #expect(answer.body == fixture.files["\(directory)/\(name)"], "\(link)")
                    fetched += 1
                }
            }
            #expect(fetched == 9)

            // Escapes and unknown renditions are 404s.
            #expect(try await client.call("GET", base + "..~..~uploads~x.m3u8", token: student).status == 404)
            #expect(try await client.call("GET", base + "video~1080p~playlist.m3u8", token: student).status == 404)
        }
    }

    /// Players that cannot send headers used to put the user's token in the query; issue 13 ended that (playback
    /// links carry a grant instead, see PlaybackGrantTests).
    @Test(arguments: Via.allCases) func playlistsRefuseAUserTokenInTheQuery(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let student = try await world.token(.student, courses: ["CS101"])
        let base = "/v1/lectures/\(fixture.record.lectureId)/"
        try await world.withClient(via) { client in
            for path in ["hls/master.m3u8", "hls/video~720p~playlist.m3u8", "storyboard.vtt"] {
                let answer = try await client.call("GET", base + path, query: ["access_token": student])
                #expect(answer.status == 401, "\(path): \(answer.status) \(answer.text)")
                #expect(answer.problem?.type.hasSuffix("/token-in-query") == true)
                #expect(!answer.text.contains(student))
            }
        }
    }

    @Test(arguments: Via.allCases) func aReadyLectureCarriesPresignedLinks(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let student = try await world.token(.student, courses: ["CS101"])
        try await world.withClient(via) { client in
            let lecture = try await client.call("GET", "/v1/lectures/\(fixture.record.lectureId)", token: student)
                .decode(LectureView.self)
            #expect(lecture.state == "ready")
            #expect(lecture.durationSeconds == 10)
            let playback = try #require(lecture.playback)
            #expect(playback.renditions.map(\.name) == ["720p", "360p"])
            #expect(playback.renditions.first?.height == 720)
            #expect(playback.expiresAt <= Date().addingTimeInterval(3601))
            // The worker's note about a stream it left out reaches the viewer.
            #expect(playback.notices == ["The audio could not be decoded; the lecture was published without sound."])
            for (url, name) in [
                (playback.mp4, "download.mp4"), (playback.poster, "poster.jpg"),
                (playback.storyboard?.image, "storyboard.jpg"),
            ] {
                let answer = try await TestWorld.get(try #require(url))
                #expect(answer.status == 200 && answer.body == fixture.files[name])
            }
            let cuesText = try #require(playback.storyboard?.cues)
            let cuesLink = try #require(URLComponents(string: cuesText))
            let cues = try await client.call("GET", cuesLink.percentEncodedPath, token: student)
            #expect(cues.status == 200)
            let imageLines = cues.text.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("http") }
            #expect(imageLines.count == 2)
            #expect(imageLines.allSatisfy { $0.hasSuffix("#xywh=0,0,160,90") || $0.hasSuffix("#xywh=160,0,160,90") })
            let image = try await TestWorld.get(
                try #require(URL(string: String(imageLines[0].split(separator: "#")[0])))
            )
            #expect(image.status == 200)
        }
    }

    @Test(arguments: Via.allCases) func courseListingsPaginateAndHideUnpublishedFromStudents(via: Via) async throws {
        let world = try await TestWorld.make()
        let course = "C-\(UUID().uuidString.prefix(6))"
        let professor = try await world.token(.professor, courses: [course])
        let student = try await world.token(.student, courses: [course])
        try await world.withClient(via) { client in
            for index in 0..<3 {
                _ = try await world.createLecture(
                    client,
                    token: professor,
                    course: course,
                    size: 100,
                    title: "Draft \(index)"
                )
            }
            let published = try await PublishedFixture.make(in: world, course: course)

            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                var query = ["limit": "2"]
                if let cursor { query["cursor"] = cursor }
                let page = try await client.call(
                    "GET",
                    "/v1/courses/\(course)/lectures",
                    token: professor,
                    query: query
                ).decode(LecturePage.self)
                seen += page.lectures.map(\.id)
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen.count == 4 && Set(seen).count == 4)
            #expect(pages >= 2)

            let studentPage = try await client.call("GET", "/v1/courses/\(course)/lectures", token: student).decode(
                LecturePage.self
            )
            #expect(studentPage.lectures.map(\.id) == [published.record.lectureId])

            let bad = try await client.call(
                "GET",
                "/v1/courses/\(course)/lectures",
                token: professor,
                query: ["cursor": "garbage"]
            )
            #expect(bad.status == 400)
            #expect(
                try await client.call("GET", "/v1/courses/\(course)/lectures", token: professor, query: ["limit": "0"])
                    .status == 400
            )
            let ops = try await world.token(.ops)
            #expect(try await client.call("GET", "/v1/courses/%C3%A9%0A/lectures", token: ops).status == 400)
        }
    }
}
