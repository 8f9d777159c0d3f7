import AWS
import Captions
import Foundation
import LecternTestSupport
import SearchIndex
import Testing

@testable import LecternCore

/// `lectern search reindex` (issue #16): a course's index rebuilt from what is published, against moto.
@Suite("Rebuilding a course's search index from what is published (moto)") struct CourseSearchRebuildTests {
    struct World {
        let lectures: LectureStore
        let search: CourseSearchStore
        let s3: S3Client
        let bucket: String
        var rebuild: CourseSearchRebuild {
            CourseSearchRebuild(store: lectures, search: search, s3: s3, bucket: bucket)
        }
    }

    func makeWorld() async throws -> World {
        let moto = try await MotoServer.shared()
        let context = moto.context(transport: CurlTransport())
        let lectures = LectureStore(dynamo: DynamoDBClient(context: context), table: MotoServer.uniqueName("lectures"))
        try await lectures.ensureTable()
        let s3 = S3Client(context: context)
        let bucket = MotoServer.uniqueName("rebuild")
        try await s3.createBucket(bucket)
        let search = CourseSearchStore(dynamo: lectures.dynamo, table: lectures.table, s3: s3, bucket: bucket)
        return World(lectures: lectures, search: search, s3: s3, bucket: bucket)
    }

    /// A ready lecture whose caption track's file (and a manifest with slides) are in S3 but were never indexed, as
    /// for captions published before the index existed.
    func publishedLecture(in world: World, course: String, caption: String, slide: String?) async throws -> String {
        let id = ObjectKeys.newLectureID()
        var record = LectureRecord(
            lectureId: id,
            courseId: course,
            ownerId: "prof",
            title: "Week",
            filename: "w.mp4",
            contentType: "video/mp4",
            sizeBytes: 1,
            sourceKey: ObjectKeys.source(lectureID: id),
            state: .ready
        )
        let version = ObjectKeys.newOutputVersion()
        record.publishedVersion = version
        record.publishedPrefix = ObjectKeys.renditionPrefix(lectureID: id, version: version)
        let track = CaptionTrack(
            id: ObjectKeys.newCaptionTrackID(),
            language: "en",
            label: "English",
            kind: .captions,
            source: .professor,
            version: ObjectKeys.newOutputVersion(),
            isDefault: true,
            cueCount: 1,
            updatedAt: Date()
        )
        record.captions = [track]
        try await world.lectures.create(record)
        let vtt = "WEBVTT\n\n00:00:04.000 --> 00:00:06.000\n<v Ana>\(caption)</v>\n"
        try await world.s3.putObject(
            bucket: world.bucket,
            key: track.prefix(lectureID: id) + CaptionPublisher.trackFileName,
            data: Data(vtt.utf8),
            contentType: "text/vtt"
        )
        if let slide {
            let manifest = """
                {"duration": 30, "slides": {"status": "detected", "chapters": "chapters.vtt", "items": [
                  {"start": 10, "end": 20, "title": "\(slide)", "text": "\(slide)\\nsecond line",
                   "thumbnail": "slides/001.jpg"}]}}
                """
            try await world.s3.putObject(
                bucket: world.bucket,
                key: record.publishedPrefix! + "manifest.json",
                data: Data(manifest.utf8),
                contentType: "application/json"
            )
        }
        return id
    }

    func moments(matching text: String, course: String, world: World) async throws -> [SearchHit] {
        let pointer = try #require(try await world.search.pointer(course))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rebuild-\(UUID().uuidString).sqlite")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await world.search.download(pointer, to: path)
        return try CourseSearchIndex(path: path).search(try #require(SearchQuery(text))).hits
    }

    @Test func captionsAndSlidesPublishedBeforeTheIndexBecomeFindable() async throws {
        let world = try await makeWorld()
        let course = MotoServer.uniqueName("course")
        let first = try await publishedLecture(
            in: world,
            course: course,
            caption: "osmosis explained",
            slide: "Entropy"
        )
        let second = try await publishedLecture(in: world, course: course, caption: "osmosis again", slide: nil)
        #expect(try await world.search.pointer(course) == nil)

        let outcome = try await world.rebuild.rebuild(course: course)

        #expect(outcome.lectures == 2)
        #expect(outcome.moments == 3)
        #expect(outcome.skipped.isEmpty)
        let caption = try await moments(matching: "osmosis", course: course, world: world)
        #expect(Set(caption.map(\.lectureId)) == [first, second])
        let slide = try await moments(matching: "entropy", course: course, world: world)
        #expect(slide.map(\.lectureId) == [first])
        #expect(slide.first?.moments.first?.kind == .slide)
        #expect(slide.first?.moments.first?.start == 10)
    }

    @Test func aLectureNoLongerReadyLeavesTheIndexAndRebuildingTwiceChangesNothing() async throws {
        let world = try await makeWorld()
        let course = MotoServer.uniqueName("course")
        let kept = try await publishedLecture(in: world, course: course, caption: "enthalpy", slide: nil)
        // Indexed once, then deleted: the index still holds it (e.g. the removal at delete time failed).
        try await world.search.indexCaptionTrack(
            course: course,
            lectureId: "lec_gone",
            trackId: "t",
            cues: [CaptionCue(startMilliseconds: 0, endMilliseconds: 1_000, text: "enthalpy")]
        )

        let outcome = try await world.rebuild.rebuild(course: course)
        let again = try await world.rebuild.rebuild(course: course)

        #expect(outcome.removed == 1)
        #expect(again.removed == 0)
        #expect(again.moments == outcome.moments)
        #expect(try await moments(matching: "enthalpy", course: course, world: world).map(\.lectureId) == [kept])
    }
}
