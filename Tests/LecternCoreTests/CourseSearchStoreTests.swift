import AWS
import Captions
import Foundation
import LecternTestSupport
import SearchIndex
import Testing

@testable import LecternCore

@Suite("Course search index in S3 with its pointer in DynamoDB (moto)") struct CourseSearchStoreTests {
    func makeStore() async throws -> CourseSearchStore {
        let moto = try await MotoServer.shared()
        let context = moto.context(transport: CurlTransport())
        let lectures = LectureStore(dynamo: DynamoDBClient(context: context), table: MotoServer.uniqueName("lectures"))
        try await lectures.ensureTable()
        let s3 = S3Client(context: context)
        let bucket = MotoServer.uniqueName("search")
        try await s3.createBucket(bucket)
        return CourseSearchStore(dynamo: lectures.dynamo, table: lectures.table, s3: s3, bucket: bucket)
    }

    func cue(_ lectureId: String, _ text: String) -> SearchDocument {
        SearchDocument(lectureId: lectureId, kind: .caption, start: 1, end: 2, text: text)
    }

    /// Downloads the current version and searches it, as an API replica would.
    func lectures(matching text: String, in course: String, store: CourseSearchStore) async throws -> [String] {
        let pointer = try #require(try await store.pointer(course))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("read-\(UUID().uuidString).sqlite")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await store.download(pointer, to: path)
        let index = try CourseSearchIndex(path: path)
        return try index.search(try #require(SearchQuery(text))).hits.map(\.lectureId).sorted()
    }

    @Test func eachUpdatePublishesANewVersionAndRemovesTheOldFile() async throws {
        let store = try await makeStore()
        let course = MotoServer.uniqueName("course")

        let first = try await store.update(course: course) { try $0.replaceLecture("L1", with: [cue("L1", "osmosis")]) }
        let second = try await store.update(course: course) {
            try $0.replaceLecture("L2", with: [cue("L2", "osmosis again")])
        }

        #expect(first.indexVersion == 1)
        #expect(second.indexVersion == 2)
        #expect(try await lectures(matching: "osmosis", in: course, store: store) == ["L1", "L2"])
        let files = try await store.s3.listAll(bucket: store.bucket, prefix: "search/\(course)/").map(\.key)
        #expect(files == [second.indexKey])
    }

    // moto applies a conditional put without a lock, so truly simultaneous swaps could both pass there (DynamoDB is
    // atomic per item). The race is therefore staged: writer B reads version 1, writer A publishes version 2 while
    // B waits before its swap, and B's swap must fail its condition and redo its change on A's version.
    @Test func aWriterThatLosesTheRaceRedoesItsChangeOnTheWinnersVersion() async throws {
        var store = try await makeStore()
        let course = MotoServer.uniqueName("course")
        try await store.update(course: course) { try $0.replaceLecture("L0", with: [cue("L0", "entropy")]) }

        let winner = store
        let raced = Flag()
        store.beforeSwap = {
            guard await raced.setOnce() else { return }
            try await winner.update(course: course) { try $0.replaceLecture("L-A", with: [cue("L-A", "entropy A")]) }
        }
        let final = try await store.update(course: course) {
            try $0.replaceLecture("L-B", with: [cue("L-B", "entropy B")])
        }

        #expect(final.indexVersion == 3)  // 1, then A's 2; B's first try at 2 was refused, its retry is 3
        #expect(try await lectures(matching: "entropy", in: course, store: store) == ["L-A", "L-B", "L0"])
        let files = try await store.s3.listAll(bucket: store.bucket, prefix: "search/\(course)/").map(\.key)
        #expect(files == [final.indexKey])  // the loser's upload was cleaned up
    }

    @Test func removingALectureDropsItAndACourseWithoutIndexIsLeftAlone() async throws {
        let store = try await makeStore()
        let course = MotoServer.uniqueName("course")
        try await store.removeLecture(course: course, lectureId: "L1")
        #expect(try await store.pointer(course) == nil)

        try await store.indexCaptionTrack(
            course: course,
            lectureId: "L1",
            trackId: "t1",
            cues: [CaptionCue(startMilliseconds: 1_000, endMilliseconds: 2_000, text: "enthalpy")]
        )
        try await store.indexCaptionTrack(
            course: course,
            lectureId: "L2",
            trackId: "t2",
            cues: [CaptionCue(startMilliseconds: 1_000, endMilliseconds: 2_000, text: "<v Ana>enthalpy</v>")]
        )
        try await store.removeLecture(course: course, lectureId: "L1")

        #expect(try await lectures(matching: "enthalpy", in: course, store: store) == ["L2"])
    }
}

@Suite("Caption cues as search documents") struct CaptionSearchDocumentTests {
    @Test func cueMarkupIsRemovedAndTimesAreSeconds() {
        let cue = CaptionCue(
            startMilliseconds: 61_500,
            endMilliseconds: 63_000,
            text: "<v Prof. Ana>Heat &amp; <i>work</i></v>\n<00:01:02.000>&lt;Q&gt;"
        )
        let documents = CourseSearchStore.documents(lectureId: "L1", trackId: "t1", cues: [cue])
        #expect(
            documents == [
                SearchDocument(
                    lectureId: "L1",
                    kind: .caption,
                    source: "t1",
                    start: 61.5,
                    end: 63,
                    text: "Heat & work <Q>"
                )
            ]
        )
    }
}

private actor Flag {
    private var set = false
    func setOnce() -> Bool {
        defer { set = true }
        return !set
    }
}
