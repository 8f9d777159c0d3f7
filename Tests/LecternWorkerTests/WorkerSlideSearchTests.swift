import AWS
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
        let worker = harness.startWorker(harness.configuration())
        let record = try await harness.waitForRecord(job.lectureID, timeout: .seconds(120)) { $0.state == .ready }
        try await harness.waitForEmptyQueue()
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
