import AWS
import Foundation
import LecternCore
import Testing

@testable import LecternAPI

/// No lecture stays `processing` for good (issue #13): jobs SQS moved to the DLQ fail their lecture with a reason,
/// lectures whose worker and message both vanished are queued again, and both can be retried from where they end.
@Suite("Abandoned jobs") struct AbandonedJobTests {
    /// A lecture queued through the API (its job message drained away), then claimed `claims` times by workers that
    /// all died: `processing`, lease lapsed, `attempts == claims`.
    func abandonedLecture(_ world: TestWorld, claims: Int) async throws -> (id: String, version: String) {
        let id = try await world.uploadedLecture(complete: true)
        _ = try await world.drain()
        let version = try #require(try await world.services.store.get(id)?.jobVersion)
        for claim in 0..<claims {
            try await world.services.store.claim(
                id,
                version: version,
                workerID: "dead-\(claim)",
                leaseSeconds: 5,
                attemptLimit: 100,
                now: Date().addingTimeInterval(-600 + Double(claim) * 10)
            )
        }
        return (id, version)
    }

    func sweep(_ world: TestWorld) -> DeadLetterSweep {
        DeadLetterSweep(
            sqs: world.services.sqs,
            store: world.services.store,
            deadLetterQueueURL: world.deadLetterQueueURL,
            holdSeconds: 30
        )
    }

    @Test func aJobTheRedrivePolicyMovedFailsItsLectureWithAReasonAndRetryWorksFromThere() async throws {
        // Given a lecture three workers died on, whose message SQS then moved to the DLQ (nothing told the lecture)
        let world = try await TestWorld.make()
        let (id, version) = try await abandonedLecture(world, claims: 3)
        let job = JobMessage(lectureID: id, sourceKey: ObjectKeys.source(lectureID: id), outputVersion: version)
        _ = try await world.services.sqs.sendMessage(world.deadLetterQueueURL, body: job.encoded())

        // When two API tasks sweep the DLQ
        let first = try await sweep(world).sweep()
        let second = try await sweep(world).sweep()

        // Then the lecture says why, once, and the message stays as the DLQ's record of it
        #expect(first.lecturesFailed == 1 && first.kept == 1)
        #expect(second.lecturesFailed == 0 && second.kept == 1)
        let failed = try #require(try await world.services.store.get(id))
        #expect(failed.state == .failed)
        #expect(failed.failureReason == JobLimits.exhaustedReason(attempts: 3))
        #expect(failed.leaseExpiresAt == nil)

        // And Retry starts a new encode with a fresh count, after which the old DLQ message is cleared away
        let professor = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            let retry = try await client.call("POST", "/v1/lectures/\(id)/retry", token: professor)
            #expect(retry.status == 202, "\(retry.text)")
        }
        let retried = try #require(try await world.services.store.get(id))
        #expect(retried.state == .queued && retried.attempts == 0 && retried.jobVersion != version)
        let third = try await sweep(world).sweep()
        #expect(third.removed == 1 && third.lecturesFailed == 0)
        #expect(try await world.drain(world.deadLetterQueueURL).isEmpty)
        #expect(try await world.services.store.get(id)?.state == .queued)
    }

    @Test func theDeadLetterSweepLeavesLiveAndFinishedLecturesAlone() async throws {
        let world = try await TestWorld.make()
        // A lecture a live worker holds (a duplicate of its message went to the DLQ)
        let (held, heldVersion) = try await abandonedLecture(world, claims: 1)
        try await world.services.store.claim(held, version: heldVersion, workerID: "alive", leaseSeconds: 300)
        // and a lecture already published.
        let (done, doneVersion) = try await abandonedLecture(world, claims: 1)
        try await world.services.store.claim(done, version: doneVersion, workerID: "finisher", leaseSeconds: 300)
        try await world.services.store.publish(
            done,
            version: doneVersion,
            prefix: "renditions/\(done)/\(doneVersion)/",
            durationSeconds: 1,
            workerID: "finisher"
        )
        for (id, version) in [(held, heldVersion), (done, doneVersion)] {
            let job = JobMessage(lectureID: id, sourceKey: ObjectKeys.source(lectureID: id), outputVersion: version)
            _ = try await world.services.sqs.sendMessage(world.deadLetterQueueURL, body: job.encoded())
        }
        _ = try await world.services.sqs.sendMessage(world.deadLetterQueueURL, body: "not a job")

        let result = try await sweep(world).sweep()

        #expect(result.lecturesFailed == 0 && result.removed == 1 && result.kept == 2)
        #expect(try await world.services.store.get(held)?.state == .processing)
        #expect(try await world.services.store.get(done)?.state == .ready)
        // The kept messages are visible again for ops as soon as the sweep ends.
        #expect(Set(try await world.drain(world.deadLetterQueueURL).map(\.body)).count == 2)
    }

    @Test func aLectureWhoseWorkerAndMessageVanishedIsQueuedAgainOnce() async throws {
        // Given a lecture whose worker died ten minutes ago and whose message is gone (purged, expired)
        let world = try await TestWorld.make()
        let (id, version) = try await abandonedLecture(world, claims: 1)
        // and one a live worker holds.
        let (live, liveVersion) = try await abandonedLecture(world, claims: 0)
        try await world.services.store.claim(live, version: liveVersion, workerID: "alive", leaseSeconds: 300)

        // When two API tasks sweep
        let outbox = JobOutbox(services: world.services)
        let first = try await outbox.requeueAbandoned(lapsedFor: 120)
        let second = try await outbox.requeueAbandoned(lapsedFor: 120)

        // Then the abandoned one is queued again with its job sent exactly once; the live one is left alone
        #expect(first.resent == 1 && second.resent == 0)
        let sent = try await world.drain().map { try JobMessage.decode($0.body) }
        #expect(sent.map(\.lectureID) == [id] && sent.first?.outputVersion == version)
        let requeued = try #require(try await world.services.store.get(id))
        #expect(requeued.state == .queued && requeued.attempts == 1 && requeued.workerId == nil)
        #expect(try await world.services.store.get(live)?.state == .processing)
        // The next claim takes it as usual.
        let claimed = try await world.services.store.claim(id, version: version, workerID: "next", leaseSeconds: 30)
        #expect(claimed.attempts == 2)
    }
}

@Suite("Sweeper settings") struct SweeperSettingsTests {
    @Test func theDeadLetterAndAbandonedLeaseSettingsComeFromTheEnvironmentAndBadOnesNameTheVariable() throws {
        #expect(try DeadLetterSweeper.Settings.fromEnvironment([:]) == DeadLetterSweeper.Settings(interval: 30))
        #expect(try DeadLetterSweeper.Settings.fromEnvironment(["LECTERN_DLQ_SWEEP_SECONDS": "5"]).interval == 5)
        for bad in ["0", "soon", "3601"] {
            do {
                _ = try DeadLetterSweeper.Settings.fromEnvironment(["LECTERN_DLQ_SWEEP_SECONDS": bad])
                Issue.record("accepted LECTERN_DLQ_SWEEP_SECONDS=\(bad)")
            } catch {
                #expect(error.description.contains("LECTERN_DLQ_SWEEP_SECONDS=\(bad)"))
            }
        }
        #expect(try OutboxSweeper.Settings.fromEnvironment([:]).abandonedAfter == 300)
        #expect(
            try OutboxSweeper.Settings.fromEnvironment(["LECTERN_ABANDONED_LEASE_SECONDS": "60"]).abandonedAfter == 60
        )
        #expect(throws: APIConfigError.self) {
            try OutboxSweeper.Settings.fromEnvironment(["LECTERN_ABANDONED_LEASE_SECONDS": "1"])
        }
    }
}
