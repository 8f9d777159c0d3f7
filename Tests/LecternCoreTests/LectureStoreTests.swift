import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

@Suite("Lecture records in DynamoDB (moto)") struct LectureStoreTests {
    func makeStore() async throws -> LectureStore {
        let moto = try await MotoServer.shared()
        let store = LectureStore(
            dynamo: DynamoDBClient(context: moto.context(transport: CurlTransport())),
            table: MotoServer.uniqueName("lectures")
        )
        try await store.ensureTable()
        return store
    }

    func record(course: String = "CS101", at seconds: TimeInterval = 1_700_000_000) -> LectureRecord {
        let id = ObjectKeys.newLectureID()
        return LectureRecord(
            lectureId: id,
            courseId: course,
            ownerId: "prof-1",
            title: "Week 1",
            filename: "w1.mp4",
            contentType: "video/mp4",
            sizeBytes: 1_000,
            sourceKey: ObjectKeys.source(lectureID: id),
            now: Date(timeIntervalSince1970: seconds)
        )
    }

    @Test func createdRecordReadsBackAndCannotBeCreatedTwice() async throws {
        let store = try await makeStore()
        let lecture = record()
        try await store.create(lecture)
        #expect(try await store.get(lecture.lectureId) == lecture)
        await #expect(throws: LectureStore.Conflict.self) { try await store.create(lecture) }
    }

    // moto evaluates a condition and applies the update without a lock, so two requests arriving at the same instant
    // can both pass (DynamoDB itself is atomic per item). The claims here therefore follow each other: what is
    // tested is that the second one sees the first one's write through the condition.
    @Test func aSecondClaimOfTheSameJobIsRefused() async throws {
        let store = try await makeStore()
        let lecture = record()
        try await store.create(lecture)
        try await store.transition(lecture.lectureId, from: [.awaitingUpload], to: .queued)
        try await store.transition(lecture.lectureId, from: [.queued], to: .processing, changes: ["workerId": .s("w1")])
        await #expect {
            try await store.transition(
                lecture.lectureId,
                from: [.queued],
                to: .processing,
                changes: ["workerId": .s("w2")]
            )
        } throws: { error in
            (error as? LectureStore.Conflict)?.current?.workerId == "w1"
        }
        #expect(try await store.get(lecture.lectureId)?.workerId == "w1")
    }

    @Test func conflictCarriesTheCurrentState() async throws {
        let store = try await makeStore()
        let lecture = record()
        try await store.create(lecture)
        await #expect {
            try await store.transition(lecture.lectureId, from: [.processing], to: .ready)
        } throws: { error in
            (error as? LectureStore.Conflict)?.current?.state == .awaitingUpload
        }
    }

    @Test func transitionSetsAndRemovesFields() async throws {
        let store = try await makeStore()
        let lecture = record()
        try await store.create(lecture)
        try await store.transition(
            lecture.lectureId,
            from: [.awaitingUpload],
            to: .failed,
            changes: ["failureReason": .s("not a video")]
        )
        let retried = try await store.transition(
            lecture.lectureId,
            from: [.failed],
            to: .queued,
            changes: ["failureReason": nil]
        )
        #expect(retried.state == .queued)
        #expect(retried.failureReason == nil)
    }

    @Test func courseListingIsNewestFirstAndPaginates() async throws {
        let store = try await makeStore()
        let course = MotoServer.uniqueName("course")
        let lectures = (0..<5).map { record(course: course, at: 1_700_000_000 + Double($0) * 60) }
        for lecture in lectures { try await store.create(lecture) }
        try await store.create(record(course: "other"))
        var seen: [String] = []
        var next: DynamoDBItem?
        repeat {
            let page = try await store.list(course: course, limit: 2, startAfter: next)
            seen += page.records.map(\.lectureId)
            next = page.next
        } while next != nil
        #expect(seen == lectures.reversed().map(\.lectureId))
    }

    /// "Ready since your last visit" needs the moment a lecture finished, which `updatedAt` loses at the next edit.
    @Test func finishedAtIsSetWhenReadyOrFailedAndKeptThroughLaterEdits() async throws {
        let store = try await makeStore()
        let lecture = record()
        try await store.create(lecture)
        let readyAt = Date(timeIntervalSince1970: 1_700_000_100)
        try await store.transition(lecture.lectureId, from: [.awaitingUpload], to: .queued)
        let queued = try await store.transition(
            lecture.lectureId,
            from: [.queued],
            to: .processing,
            changes: ["workerId": .s("w1")]
        )
        #expect(queued.finishedAt == nil)
        let ready = try await store.transition(lecture.lectureId, from: [.processing], to: .ready, now: readyAt)
        #expect(ready.finishedAt == readyAt)
        let edited = try await store.edit(
            lecture.lectureId,
            LectureEdit(title: "Week 1, revised"),
            now: readyAt.addingTimeInterval(600)
        )
        #expect(edited.finishedAt == readyAt && edited.updatedAt == readyAt.addingTimeInterval(600))

        let broken = record()
        try await store.create(broken)
        let failedAt = Date(timeIntervalSince1970: 1_700_000_200)
        let failed = try await store.transition(broken.lectureId, from: [.awaitingUpload], to: .failed, now: failedAt)
        #expect(failed.finishedAt == failedAt)
    }

    @Test func missingLectureIsNil() async throws {
        let store = try await makeStore()
        #expect(try await store.get("lec_missing") == nil)
    }
}
