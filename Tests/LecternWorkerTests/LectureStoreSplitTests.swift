import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

/// The split-encode writes of `LectureStore` (issue #15) against moto: a plan handed over to its parts, a part's
/// lease discipline, the one completion that sees the plan complete, and the stitch's claim of the lecture.
@Suite("LectureStore split writes (moto)") struct LectureStoreSplitTests {
    let plan = LectureSplit(
        outputVersion: "v1",
        chunks: [.init(start: 0, end: 180), .init(start: 180, end: 360), .init(start: 360, end: 400)]
    )

    /// A lecture claimed by `planner` for v1 and handed over to `plan`'s parts.
    func plannedLecture() async throws -> (LectureStore, String) {
        let (store, record) = try await LectureStoreWorkerTests().makeQueuedLecture()
        let id = record.lectureId
        try await store.claim(id, version: "v1", workerID: "planner", leaseSeconds: 60)
        let handed = try await store.handOverToParts(
            id,
            version: "v1",
            workerID: "planner",
            split: plan,
            leaseSeconds: 60
        )
        #expect(handed.workerId == nil)
        #expect(handed.split == plan)
        #expect(handed.leaseExpiresAt.map { $0 > Date() } == true)
        return (store, id)
    }

    @Test func aPlanIsRecordedOnceAndResumedByTheNextClaim() async throws {
        let (store, id) = try await plannedLecture()
        // A second plan for the same version is refused: the recorded one (and its progress) stands.
        try await store.claim(id, version: "v1", workerID: "again", leaseSeconds: 60, now: Date() + 120)
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.handOverToParts(id, version: "v1", workerID: "again", split: plan, leaseSeconds: 60)
        }
        let resumed = try await store.handOverToParts(
            id,
            version: "v1",
            workerID: "again",
            split: nil,
            leaseSeconds: 60
        )
        #expect(resumed.split == plan)
        #expect(resumed.workerId == nil)
    }

    @Test func aPartIsHeldByOneWorkerUntilItsLeaseLapses() async throws {
        let (store, id) = try await plannedLecture()
        let claimed = try await store.claimPart(id, version: "v1", part: .video(1), workerID: "w1", leaseSeconds: 60)
        #expect(claimed.split?.chunks[1].lease?.workerId == "w1")
        #expect(claimed.split?.chunks[1].attempts == 1)
        #expect(claimed.split?.chunks[0].lease == nil)
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.claimPart(id, version: "v1", part: .video(1), workerID: "w2", leaseSeconds: 60)
        }
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.heartbeatPart(id, version: "v1", part: .video(1), workerID: "w2", leaseSeconds: 60)
        }
        try await store.heartbeatPart(id, version: "v1", part: .video(1), workerID: "w1", leaseSeconds: 60)
        // w1 vanished: after its lease w2 takes the part over, and w1's writes no longer apply.
        let later = Date() + 120
        let taken = try await store.claimPart(
            id,
            version: "v1",
            part: .video(1),
            workerID: "w2",
            leaseSeconds: 60,
            now: later
        )
        #expect(taken.split?.chunks[1].attempts == 2)
        #expect(taken.leaseExpiresAt.map { $0 > later } == true)
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.completePart(id, version: "v1", part: .video(1), workerID: "w1")
        }
        // A part that used its attempts is not claimed again.
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.claimPart(
                id,
                version: "v1",
                part: .video(1),
                workerID: "w3",
                leaseSeconds: 60,
                attemptLimit: 2,
                now: later + 120
            )
        }
    }

    @Test func onlyTheLastCompletionSeesThePlanCompleteAndADonePartIsNotRunAgain() async throws {
        let (store, id) = try await plannedLecture()
        let parts: [SplitPart] = [.video(2), .audio, .video(0), .video(1)]
        var completeAnswers: [Bool] = []
        for (index, part) in parts.enumerated() {
            try await store.claimPart(id, version: "v1", part: part, workerID: "w\(index)", leaseSeconds: 60)
        }
        for (index, part) in parts.enumerated() {
            let record = try await store.completePart(id, version: "v1", part: part, workerID: "w\(index)")
            completeAnswers.append(record.split?.isComplete == true)
        }
        #expect(completeAnswers == [false, false, false, true])
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.claimPart(id, version: "v1", part: .video(0), workerID: "late", leaseSeconds: 60)
        }
        let record = try #require(try await store.get(id))
        #expect(record.split?.done == [0, 1, 2])
        #expect(record.split?.chunks.allSatisfy { $0.lease == nil } == true)

        // The stitch takes the lecture; a second stitcher is refused while that lease lives.
        let stitching = try await store.claimStitch(id, version: "v1", workerID: "w3", leaseSeconds: 60)
        #expect(stitching.workerId == "w3")
        #expect(stitching.progressStage == "stitching")
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.claimStitch(id, version: "v1", workerID: "other", leaseSeconds: 60)
        }
        let published = try await store.publish(
            id,
            version: "v1",
            prefix: "renditions/\(id)/v1/",
            durationSeconds: 400,
            workerID: "w3"
        )
        #expect(published.state == .ready)
    }

    @Test func aReleasedPartIsClaimableAtOnceAndAFailedLectureStopsItsParts() async throws {
        let (store, id) = try await plannedLecture()
        try await store.claimPart(id, version: "v1", part: .audio, workerID: "w1", leaseSeconds: 60)
        try await store.releasePart(id, version: "v1", part: .audio, workerID: "w1")
        try await store.claimPart(id, version: "v1", part: .audio, workerID: "w2", leaseSeconds: 60)
        try await store.fail(id, version: "v1", reason: "part 2 could not be decoded", workerID: nil)
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.heartbeatPart(id, version: "v1", part: .audio, workerID: "w2", leaseSeconds: 60)
        }
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.claimPart(id, version: "v1", part: .video(0), workerID: "w3", leaseSeconds: 60)
        }
    }

    @Test func progressOnlyRises() async throws {
        let (store, id) = try await plannedLecture()
        try await store.recordPartsProgress(id, version: "v1", percent: 50)
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.recordPartsProgress(id, version: "v1", percent: 25)
        }
        #expect(try await store.get(id)?.progressPercent == 50)
    }
}
