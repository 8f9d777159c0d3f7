import AWS
import Captions
import Foundation
import LecternCore
import LecternTestSupport
import SearchIndex
import Testing
import Transcoder

@testable import LecternWorker

/// Slide text reaches the course's search index when the worker publishes a lecture (moto S3 and DynamoDB).
@Suite("Worker slide search (moto + real transcodes)") struct WorkerSlideSearchTests {
    @Test func aPublishedDeckIsSearchableByItsSlideText() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: try await Clips.deck(), ladder: [240])
        let logs = LogCapture()
        let worker = harness.startWorker(harness.configuration(), logs: logs)
        let record = try await harness.waitForRecord(job.lectureID, timeout: .seconds(120)) { $0.state == .ready }
        // The index is written just after the lecture turns ready (publishing comes first): wait for its log line.
        try await Self.waitForLog(logs, containing: "slides indexed")
        try await worker.stop()

        let search = CourseSearchStore(
            dynamo: harness.store.dynamo,
            table: harness.store.table,
            s3: harness.s3,
            bucket: harness.bucket
        )
        let pointer = try #require(try await search.pointer(record.courseId))
        let local = NSTemporaryDirectory() + "slide-search-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: local) }
        try await search.download(pointer, to: local)
        let index = try CourseSearchIndex(path: local)
        let results = try index.search(try #require(SearchQuery("taylor polynomials")))
        let hit = try #require(results.hits.first)
        #expect(hit.lectureId == job.lectureID)
        let moment = try #require(hit.moments.first)
        #expect(moment.kind == .slide)
        #expect(abs(moment.start - 12) <= 1)
        #expect(try index.search(try #require(SearchQuery("derivative"))).hits.first?.moments.first?.start == 0)
    }

    @Test func aSearchIndexThatCannotBeUpdatedLeavesTheLecturePublished() async throws {
        // Given: the course's index pointer names an object that is gone, so every update fails at its download.
        let harness = try await WorkerHarness.make()
        try await harness.store.dynamo.putItem(
            table: harness.store.table,
            item: [
                "lectureId": .s(CourseSearchStore.keyPrefix + "CS101"), "searchCourse": .s("CS101"),
                "indexVersion": .n("1"), "indexKey": .s("search/CS101/index-1-gone.sqlite"),
                "indexUpdatedAt": .s("2026-12-01T00:00:00Z"),
            ]
        )
        let job = try await harness.enqueue(sourcePath: try await Clips.deck(), ladder: [240])
        let logs = LogCapture()
        let worker = harness.startWorker(harness.configuration(), logs: logs)

        // Then: the lecture is ready, its message deleted (not retried), and the log says what was not indexed.
        let record = try await harness.waitForRecord(job.lectureID, timeout: .seconds(120)) { $0.state == .ready }
        try await Self.waitForLog(logs, containing: "slide text not indexed for search")
        try await harness.waitForEmptyQueue()
        try await worker.stop()
        #expect(record.publishedVersion == job.outputVersion)
        #expect(try await harness.messageCount(harness.deadLetterQueueURL) == 0)
        #expect(!logs.all.contains { $0.contains("slides indexed") })
    }

    @Test func reEncodingReplacesTheLecturesSlidesAndKeepsEverythingElse() async throws {
        let harness = try await WorkerHarness.make()
        let search = CourseSearchStore(
            dynamo: harness.store.dynamo,
            table: harness.store.table,
            s3: harness.s3,
            bucket: harness.bucket
        )
        func record(_ id: String) -> LectureRecord {
            LectureRecord(
                lectureId: id,
                courseId: "CS101",
                ownerId: "prof-1",
                title: id,
                filename: "a.mp4",
                contentType: "video/mp4",
                sizeBytes: 1,
                sourceKey: "uploads/\(id)",
                state: .ready
            )
        }
        func slides(_ titles: [String]) -> TranscodeManifest.Slides {
            TranscodeManifest.Slides(
                status: .detected,
                reason: nil,
                chapters: "chapters.vtt",
                items: titles.enumerated().map { index, title in
                    .init(
                        start: Double(index) * 10,
                        end: Double(index + 1) * 10,
                        title: title,
                        text: title,
                        thumbnail: "slides/00\(index + 1).jpg"
                    )
                }
            )
        }
        // Given: a lecture with slides and a caption track, and another lecture with slides, in one course.
        let first = record("lec_first"), second = record("lec_second")
        try await search.indexCaptionTrack(
            course: "CS101",
            lectureId: first.lectureId,
            trackId: "trk_1",
            cues: [CaptionCue(startMilliseconds: 0, endMilliseconds: 2000, text: "today: integrals")]
        )
        for (lecture, titles) in [(first, ["Riemann sums", "Antiderivatives"]), (second, ["Riemann sums again"])] {
            try await JobRunner.replaceSlides(
                of: lecture,
                with: JobRunner.slideDocuments(lectureID: lecture.lectureId, slides: slides(titles)),
                in: search
            )
        }
        // When: the first lecture is encoded again and shows other slides, then once more with none found.
        try await JobRunner.replaceSlides(
            of: first,
            with: JobRunner.slideDocuments(lectureID: first.lectureId, slides: slides(["Fourier series"])),
            in: search
        )
        func lectures(matching text: String) async throws -> [String] {
            let pointer = try #require(try await search.pointer("CS101"))
            let local = NSTemporaryDirectory() + "slide-search-\(UUID().uuidString).sqlite"
            defer { try? FileManager.default.removeItem(atPath: local) }
            try await search.download(pointer, to: local)
            return try CourseSearchIndex(path: local).search(try #require(SearchQuery(text))).hits.map(\.lectureId)
                .sorted()
        }
        // Then: its old slides are gone, its new ones found, the other lecture's slides and its captions kept.
        #expect(try await lectures(matching: "antiderivatives") == [])
        #expect(try await lectures(matching: "fourier") == ["lec_first"])
        #expect(try await lectures(matching: "riemann") == ["lec_second"])
        #expect(try await lectures(matching: "integrals") == ["lec_first"])
        let none = TranscodeManifest.Slides(
            status: .none,
            reason: "No stable slides were found.",
            chapters: nil,
            items: []
        )
        try await JobRunner.replaceSlides(
            of: first,
            with: JobRunner.slideDocuments(lectureID: first.lectureId, slides: none),
            in: search
        )
        #expect(try await lectures(matching: "fourier") == [])
        #expect(try await lectures(matching: "integrals") == ["lec_first"])
    }

    static func waitForLog(_ logs: LogCapture, containing text: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !logs.all.contains(where: { $0.contains(text) }) {
            guard ContinuousClock.now < deadline else {
                Issue.record("no log line containing \"\(text)\" in:\n\(logs.all.joined(separator: "\n"))")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test func slideDocumentsSkipSlidesWithoutTextAndLecturesWithoutSlides() {
        let slides = TranscodeManifest.Slides(
            status: .detected,
            reason: nil,
            chapters: "chapters.vtt",
            items: [
                .init(
                    start: 0,
                    end: 10,
                    title: "Limits",
                    text: "Limits\nEpsilon and delta",
                    thumbnail: "slides/001.jpg"
                ),
                .init(start: 10, end: 20, title: "", text: "", thumbnail: "slides/002.jpg"),
            ]
        )
        let documents = JobRunner.slideDocuments(lectureID: "lec_1", slides: slides)
        #expect(
            documents == [
                SearchDocument(
                    lectureId: "lec_1",
                    kind: .slide,
                    source: "slides",
                    start: 0,
                    end: 10,
                    text: "Limits Epsilon and delta"
                )
            ]
        )
        #expect(JobRunner.slideDocuments(lectureID: "lec_1", slides: nil).isEmpty)
        let none = TranscodeManifest.Slides(
            status: .none,
            reason: "No stable slides were found.",
            chapters: nil,
            items: []
        )
        #expect(JobRunner.slideDocuments(lectureID: "lec_1", slides: none).isEmpty)
    }
}
