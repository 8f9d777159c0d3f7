import AWS
import Foundation
import LecternCore
import Testing

@testable import LecternAPI

/// No lecture stays `queued` for good: one whose job message SQS accepted and then lost (purged, past retention)
/// gets its job sent again once it has been queued longer than the bound, found through the sent marker.
@Suite("Queued re-send") struct QueuedResendTests {
    /// A lecture queued through the API whose job message was then taken out of the queue (a purge).
    func queuedLectureWithoutMessage(_ world: TestWorld) async throws -> (id: String, version: String) {
        let id = try await world.uploadedLecture(complete: true)
        let purged = try await world.drain()
        #expect(purged.count == 1)
        for message in purged {
            try await world.services.sqs.deleteMessage(world.services.queueURL, receiptHandle: message.receiptHandle)
        }
        let version = try #require(try await world.services.store.get(id)?.jobVersion)
        return (id, version)
    }

    @Test func aQueuedLectureWhoseMessageWasPurgedIsSentAgainOnceAfterTheBoundAndCanBeClaimed() async throws {
        let world = try await TestWorld.make()
        let (id, version) = try await queuedLectureWithoutMessage(world)
        let outbox = JobOutbox(services: world.services)

        // Within the bound nothing is sent: the message may only be late in a backlog.
        #expect(
            try await outbox.resendQueued(after: 600, now: Date().addingTimeInterval(60)) == JobOutbox.SweepResult()
        )
        // The pending-send sweep (one minute) leaves a sent job alone.
        #expect(try await outbox.sweep(olderThan: 60, now: Date().addingTimeInterval(700)) == JobOutbox.SweepResult())
        #expect(try await world.drain().isEmpty)

        // Past the bound, one sweep sends it; the next one, at the same moment, does not.
        let later = Date().addingTimeInterval(700)
        #expect(try await outbox.resendQueued(after: 600, now: later).resent == 1)
        #expect(try await outbox.resendQueued(after: 600, now: later) == JobOutbox.SweepResult())
        let sent = try await world.drain().map { try JobMessage.decode($0.body) }
        #expect(sent.map(\.lectureID) == [id] && sent.first?.outputVersion == version)

        // The sent marker restarts from the re-send, and a worker claims the job as usual.
        let record = try #require(try await world.services.store.get(id))
        #expect(record.state == .queued)
        let claimed = try await world.services.store.claim(id, version: version, workerID: "worker-1", leaseSeconds: 30)
        #expect(claimed.state == .processing && claimed.attempts == 1)
    }

    @Test func aLectureClaimedMeanwhileIsNotSentAgain() async throws {
        let world = try await TestWorld.make()
        let (id, version) = try await queuedLectureWithoutMessage(world)
        try await world.services.store.claim(id, version: version, workerID: "worker-1", leaseSeconds: 3600)

        let result = try await JobOutbox(services: world.services).resendQueued(
            after: 600,
            now: Date().addingTimeInterval(700)
        )

        #expect(result == JobOutbox.SweepResult())
        #expect(try await world.drain().isEmpty)
        #expect(try await world.services.store.get(id)?.state == .processing)
    }

    @Test func twoSweepsRacingSendOnce() async throws {
        let world = try await TestWorld.make()
        let (id, _) = try await queuedLectureWithoutMessage(world)
        let later = Date().addingTimeInterval(700)
        let services = world.services

        async let first = JobOutbox(services: services).resendQueued(after: 600, now: later)
        async let second = JobOutbox(services: services).resendQueued(after: 600, now: later)
        let results = try await [first, second]

        #expect(results.map(\.resent).reduce(0, +) == 1)
        #expect(results.allSatisfy { $0.failed == 0 })
        #expect(try await world.drain().map { try JobMessage.decode($0.body).lectureID } == [id])
    }

    @Test func aLectureAWorkerReleasedKeepsTheSentMarker() async throws {
        let world = try await TestWorld.make()
        let (id, version) = try await queuedLectureWithoutMessage(world)
        try await world.services.store.claim(id, version: version, workerID: "worker-1", leaseSeconds: 30)
        try await world.services.store.release(id, workerID: "worker-1", stage: "released")

        // Its message should come back; if it was lost after all, the re-send finds the lecture.
        let result = try await JobOutbox(services: world.services).resendQueued(
            after: 600,
            now: Date().addingTimeInterval(700)
        )

        #expect(result.resent == 1)
        #expect(try await world.drain().count == 1)
    }

    @Test func theResendBoundComesFromTheEnvironment() throws {
        #expect(try OutboxSweeper.Settings.fromEnvironment([:]).queuedResendAfter == 3600)
        #expect(
            try OutboxSweeper.Settings.fromEnvironment(["LECTERN_QUEUED_RESEND_SECONDS": "7200"]).queuedResendAfter
                == 7200
        )
        #expect(throws: APIConfigError.self) {
            try OutboxSweeper.Settings.fromEnvironment(["LECTERN_QUEUED_RESEND_SECONDS": "10"])
        }
    }
}
