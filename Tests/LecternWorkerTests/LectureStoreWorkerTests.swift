import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

/// The worker-side transitions of `LectureStore` against moto. Each write follows the previous one (moto does
/// not apply conditional writes atomically, so racing writers are not what is tested here).
@Suite("LectureStore worker transitions (moto)") struct LectureStoreWorkerTests {
    func makeQueuedLecture() async throws -> (LectureStore, LectureRecord) {
        let moto = try await MotoServer.shared()
        let store = LectureStore(
            dynamo: DynamoDBClient(context: moto.context(transport: CurlTransport())),
            table: MotoServer.uniqueName("lectures")
        )
        try await store.ensureTable()
        let id = ObjectKeys.newLectureID()
        var record = LectureRecord(
            lectureId: id,
            courseId: "CS101",
            ownerId: "prof",
            title: "t",
            filename: "f.mp4",
            contentType: "video/mp4",
            sizeBytes: 1,
            sourceKey: ObjectKeys.source(lectureID: id),
            state: .queued
        )
        record.jobVersion = "v1"
        try await store.create(record)
        return (store, record)
    }

    @Test func claimCountsAttemptsAndRefusesALiveLease() async throws {
        let (store, lecture) = try await makeQueuedLecture()
        let claimed = try await store.claim(lecture.lectureId, version: "v1", workerID: "w1", leaseSeconds: 60)
        #expect(claimed.state == .processing)
        #expect(claimed.attempts == 1)
        #expect(claimed.workerId == "w1")
        #expect(claimed.leaseExpiresAt.map { $0 > Date() } == true)
        await #expect {
            try await store.claim(lecture.lectureId, version: "v1", workerID: "w2", leaseSeconds: 60)
        } throws: { ($0 as? LectureStore.Conflict)?.current?.workerId == "w1" }
    }

    @Test func anExpiredLeaseCanBeTakenOverAndLocksOutThePreviousHolder() async throws {
        let (store, lecture) = try await makeQueuedLecture()
        try await store.claim(
            lecture.lectureId,
            version: "v1",
            workerID: "w1",
            leaseSeconds: 60,
            now: Date().addingTimeInterval(-120)
        )
        let taken = try await store.claim(lecture.lectureId, version: "v1", workerID: "w2", leaseSeconds: 60)
        #expect(taken.attempts == 2)
        #expect(taken.workerId == "w2")
        // The first worker's heartbeat and publish now fail: it must stop.
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.heartbeat(
                lecture.lectureId,
                workerID: "w1",
                leaseSeconds: 60,
                percent: 50,
                stage: "encoding"
            )
        }
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.publish(lecture.lectureId, version: "v1", prefix: "p/", durationSeconds: 1, workerID: "w1")
        }
        let beat = try await store.heartbeat(
            lecture.lectureId,
            workerID: "w2",
            leaseSeconds: 60,
            percent: 42.5,
            stage: "encoding"
        )
        #expect(beat.progressPercent == 42.5)
        #expect(beat.progressStage == "encoding")
    }

    @Test func aClaimForAnotherVersionIsRefused() async throws {
        let (store, lecture) = try await makeQueuedLecture()
        await #expect {
            try await store.claim(lecture.lectureId, version: "v0", workerID: "w1", leaseSeconds: 60)
        } throws: { ($0 as? LectureStore.Conflict)?.current?.state == .queued }
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.claim("lec_nobody", version: "v1", workerID: "w1", leaseSeconds: 60)
        }
    }

    @Test func publishSetsTheOutputsAndClearsTheLease() async throws {
        let (store, lecture) = try await makeQueuedLecture()
        try await store.claim(lecture.lectureId, version: "v1", workerID: "w1", leaseSeconds: 60)
        let ready = try await store.publish(
            lecture.lectureId,
            version: "v1",
            prefix: "renditions/x/v1/",
            durationSeconds: 12.5,
            workerID: "w1"
        )
        #expect(ready.state == .ready)
        #expect(ready.publishedVersion == "v1")
        #expect(ready.publishedPrefix == "renditions/x/v1/")
        #expect(ready.durationSeconds == 12.5)
        #expect(ready.leaseExpiresAt == nil)
        // A second publish (a duplicate worker) cannot apply.
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.publish(
                lecture.lectureId,
                version: "v1",
                prefix: "renditions/x/v1/",
                durationSeconds: 12.5,
                workerID: "w1"
            )
        }
    }

    @Test func failAndReleaseAreConditionalOnTheHolder() async throws {
        let (store, lecture) = try await makeQueuedLecture()
        try await store.claim(lecture.lectureId, version: "v1", workerID: "w1", leaseSeconds: 60)
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.release(lecture.lectureId, workerID: "w2", stage: "retrying")
        }
        let released = try await store.release(lecture.lectureId, workerID: "w1", stage: "retrying")
        #expect(released.state == .queued)
        #expect(released.workerId == nil)
        try await store.claim(lecture.lectureId, version: "v1", workerID: "w3", leaseSeconds: 60)
        let failed = try await store.fail(lecture.lectureId, version: "v1", reason: "Not a video.", workerID: "w3")
        #expect(failed.state == .failed)
        #expect(failed.failureReason == "Not a video.")
        #expect(failed.attempts == 2)
    }
}
