import AWS
import Foundation
import LecternCore
import Testing

@testable import LecternAPI

/// The enqueue outbox against moto: a queued transition whose send never happened (a crash in between) is sent
/// by a sweep exactly once; lectures whose send did happen are never sent again.
@Suite("Enqueue outbox") struct OutboxTests {
    /// What the API writes before it sends, and nothing after: the state a crash between the two leaves.
    func crashAfterTransition(_ world: TestWorld, _ id: String, markedAt: Date) async throws -> String {
        let version = ObjectKeys.newOutputVersion()
        var changes: [String: AttributeValue?] = ["jobVersion": .s(version)]
        changes.merge(try JobOutbox(services: world.services).markerChanges(now: markedAt)) { _, marker in marker }
        try await world.services.store.transition(id, from: [.awaitingUpload], to: .queued, changes: changes)
        return version
    }

    /// The jobs now in the queue (each received once, then left to reappear after 300 s).
    func drain(_ world: TestWorld) async throws -> [JobMessage] {
        try await world.drain().map { try JobMessage.decode($0.body) }
    }

    func marker(_ world: TestWorld, _ id: String) async throws -> AttributeValue? {
        let item = try await world.services.store.dynamo.getItem(
            table: world.services.store.table,
            key: ["lectureId": .s(id)],
            consistentRead: true
        )
        return item?["outboxSince"]
    }

    /// The `outbox` index's value: after a send the pending marker has become the sent marker.
    func markerKind(_ world: TestWorld, _ id: String) async throws -> AttributeValue? {
        let item = try await world.services.store.dynamo.getItem(
            table: world.services.store.table,
            key: ["lectureId": .s(id)],
            consistentRead: true
        )
        return item?["outbox"]
    }

    @Test func aJobLostBetweenTransitionAndSendIsSentOnceBySweeps() async throws {
        // Given a lecture queued two minutes ago whose message never reached SQS
        let world = try await TestWorld.make()
        let id = try await world.uploadedLecture(complete: false)
        let version = try await crashAfterTransition(world, id, markedAt: Date().addingTimeInterval(-120))
        #expect(try await drain(world).isEmpty)

        // When two API tasks sweep, one after the other
        let outbox = JobOutbox(services: world.services)
        let first = try await outbox.sweep(olderThan: 60)
        let second = try await outbox.sweep(olderThan: 60)

        // Then the job is sent exactly once, with the version the record holds, and the marker says it was sent
        #expect(first == JobOutbox.SweepResult(resent: 1, settled: 0, failed: 0))
        #expect(second == JobOutbox.SweepResult())
        let sent = try await drain(world)
        #expect(sent.count == 1)
        #expect(sent.first?.lectureID == id && sent.first?.outputVersion == version)
        #expect(sent.first?.sourceKey == ObjectKeys.source(lectureID: id))
        #expect(try await markerKind(world, id) == .s(LectureStore.sentMarker))
        #expect(try await world.services.store.get(id)?.state == .queued)
    }

    @Test func aRecentMarkerIsLeftToTheRequestStillSendingIt() async throws {
        let world = try await TestWorld.make()
        let id = try await world.uploadedLecture(complete: false)
        _ = try await crashAfterTransition(world, id, markedAt: Date().addingTimeInterval(-5))
        #expect(try await JobOutbox(services: world.services).sweep(olderThan: 60) == JobOutbox.SweepResult())
        #expect(try await drain(world).isEmpty)
        #expect(try await marker(world, id) != nil)
    }

    @Test func normalCompletesAndRetriesAreNeverSentAgain() async throws {
        // Given a lecture completed through the API, then failed by the worker and retried
        let world = try await TestWorld.make()
        let id = try await world.uploadedLecture(complete: false)
        let professor = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(.live) { client in
            #expect(try await client.call("POST", "/v1/lectures/\(id)/upload/complete", token: professor).status == 202)
            #expect(try await markerKind(world, id) == .s(LectureStore.sentMarker))
            try await world.services.store.transition(
                id,
                from: [.queued],
                to: .failed,
                changes: ["failureReason": .s("damaged")]
            )
            #expect(try await client.call("POST", "/v1/lectures/\(id)/retry", token: professor).status == 202)
            #expect(try await markerKind(world, id) == .s(LectureStore.sentMarker))
        }
        // When a sweep counts every marker as stale
        let result = try await JobOutbox(services: world.services).sweep(
            olderThan: 0,
            now: Date().addingTimeInterval(3600)
        )
        // Then nothing is sent beyond the two jobs the requests sent
        #expect(result == JobOutbox.SweepResult())
        #expect(try await drain(world).count == 2)
    }

    @Test func aMarkerLeftOnALectureTheWorkerAlreadyClaimedIsReplacedByItsLeaseWithoutASend() async throws {
        // Given the API crashed after its send but before clearing the marker, and a worker claimed the job
        let world = try await TestWorld.make()
        let id = try await world.uploadedLecture(complete: false)
        let version = try await crashAfterTransition(world, id, markedAt: Date().addingTimeInterval(-120))
        try await world.services.store.claim(id, version: version, workerID: "worker-1", leaseSeconds: 60)

        // The claim put the worker's lease marker where the enqueue marker was: the enqueue sweep has nothing to do,
        // and a late clear of the enqueue marker leaves the lease marker alone.
        let result = try await JobOutbox(services: world.services).sweep(olderThan: 60)
        #expect(result == JobOutbox.SweepResult())
        await JobOutbox(services: world.services).clearMarker(id, version: version)
        #expect(try await drain(world).isEmpty)
        let item = try await world.services.store.dynamo.getItem(
            table: world.services.store.table,
            key: ["lectureId": .s(id)],
            consistentRead: true
        )
        #expect(item?["outbox"] == .s(LectureStore.leaseMarker))
        #expect(item?["outboxSince"] == item?["leaseExpiresAt"])
    }

    @Test func theSweeperServiceSendsOnItsOwnAndStopsWhenCancelled() async throws {
        let world = try await TestWorld.make()
        let id = try await world.uploadedLecture(complete: false)
        let version = try await crashAfterTransition(world, id, markedAt: Date().addingTimeInterval(-120))
        let sweeper = OutboxSweeper(
            outbox: JobOutbox(services: world.services),
            settings: OutboxSweeper.Settings(interval: 0.2, age: 60)
        )
        let running = Task { try await sweeper.run() }
        var sent: [JobMessage] = []
        for _ in 0..<100 where sent.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            sent = try await drain(world)
        }
        running.cancel()
        try await running.value
        #expect(sent.map(\.outputVersion) == [version])
        // A few more sweeps would have run by now had the cancel not stopped the loop; none sends again anyway.
        #expect(try await drain(world).isEmpty)
    }

    @Test func badSweepSettingsNameTheVariable() throws {
        #expect(throws: APIConfigError.self) {
            try OutboxSweeper.Settings.fromEnvironment(["LECTERN_OUTBOX_SWEEP_SECONDS": "0"])
        }
        do {
            _ = try OutboxSweeper.Settings.fromEnvironment(["LECTERN_OUTBOX_AGE_SECONDS": "soon"])
            Issue.record("accepted a non-number")
        } catch {
            #expect(error.description.contains("LECTERN_OUTBOX_AGE_SECONDS=soon"))
        }
        #expect(try OutboxSweeper.Settings.fromEnvironment([:]) == OutboxSweeper.Settings(interval: 30, age: 60))
    }
}
