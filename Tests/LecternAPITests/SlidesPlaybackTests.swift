import AWS
import Foundation
import LecternAPI
import LecternCore
import Testing

/// The playback view of slides (issue #16), read from `manifest.json` per the slides contract: a manifest the test
/// writes into moto's S3, as the worker would.
@Suite("Slides and chapters in the playback view") struct SlidesPlaybackTests {
    /// The fixture's manifest with `slides` added (the rest as `PublishedFixture` writes it, trimmed to what the view
    /// reads), plus the chapters track and thumbnails it names.
    func publishSlides(
        _ slides: String,
        files: [String: Data] = [:],
        in world: TestWorld,
        prefix: String
    )
        async throws
    {
        let manifest = Data(
            """
            {"version":1,"duration":10.0,"masterPlaylist":"master.m3u8",
             "video":[{"name":"720p","width":1280,"height":720,"bandwidth":2500000,\
            "playlist":"video/720p/playlist.m3u8"}],
             "poster":"poster.jpg","slides":\(slides)}
            """.utf8
        )
        for (path, data) in files.merging(["manifest.json": manifest], uniquingKeysWith: { $1 }) {
            try await world.services.s3.putObject(bucket: world.services.bucket, key: prefix + path, data: data)
        }
    }

    @Test(arguments: Via.allCases) func detectedSlidesGiveChaptersAndPresignedThumbnails(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let chapters = Data(
            "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nMean value theorem\n\n00:00:04.000 --> 00:00:10.000\n\n".utf8
        )
        try await publishSlides(
            """
            {"status":"detected","chapters":"chapters.vtt","items":[
              {"start":0.0,"end":4.0,"title":"Mean value theorem","text":"Mean value theorem\\nIf f is continuous",\
            "thumbnail":"slides/001.jpg"},
              {"start":4.0,"end":10.0,"title":"","text":"","thumbnail":"slides/002.jpg","futureField":1},
              {"start":6.0,"title":"no end: left out"},
              {"start":7.0,"end":8.0,"title":"escape","thumbnail":"../../uploads/x.jpg"}]}
            """,
            files: [
                "chapters.vtt": chapters, "slides/001.jpg": Data("one".utf8), "slides/002.jpg": Data("two".utf8),
            ],
            in: world,
            prefix: fixture.prefix
        )
        let student = try await world.token(.student, courses: ["CS101"])
        try await world.withClient(via) { client in
            let lecture = try await client.call("GET", "/v1/lectures/\(fixture.record.lectureId)", token: student)
                .decode(LectureView.self)
            let slides = try #require(lecture.playback?.slides)
            #expect(slides.items.map(\.title) == ["Mean value theorem", "", "escape"])
            #expect(slides.items.map(\.start) == [0, 4, 7])
            #expect(slides.items.first?.text == "Mean value theorem\nIf f is continuous")
            // A thumbnail path leaving the published prefix gets no link; the slide stays.
            #expect(slides.items.last?.thumbnail == nil)
            for (url, body) in [
                (slides.chapters, chapters), (slides.items[0].thumbnail, Data("one".utf8)),
                (slides.items[1].thumbnail, Data("two".utf8)),
            ] {
                let link = try #require(url)
                #expect(link.query?.contains("X-Amz-Signature=") == true)
                let answer = try await TestWorld.get(link)
                #expect(answer.status == 200 && answer.body == body)
            }
        }
    }

    @Test(arguments: ["none", "absent"]) func noDetectedSlidesGiveNoChapters(case name: String) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        if name == "none" {
            try await publishSlides(
                // Items beside `none` (a worker bug, or a future field) still give no chapters: the status decides.
                #"""
                {"status":"none","reason":"No stable slides were found.","chapters":"chapters.vtt",\#
                "items":[{"start":0,"end":5,"title":"x"}]}
                """#,
                in: world,
                prefix: fixture.prefix
            )
        }
        let student = try await world.token(.student, courses: ["CS101"])
        try await world.withClient(.live) { client in
            let answer = try await client.call("GET", "/v1/lectures/\(fixture.record.lectureId)", token: student)
            let lecture = try answer.decode(LectureView.self)
            #expect(lecture.playback != nil)
            #expect(lecture.playback?.slides == nil)
            #expect(!answer.text.contains("\"slides\""))
        }
    }
}
