import Foundation
import LecternCore
import Synchronization
import Testing

@testable import LecternAPI

/// The short-TTL record cache: single flight, expiry, invalidation; and through the API: writes show at once,
/// authorization still runs per request.
/// The TTL is measured on a `ManualClock` the tests advance, and a read "in flight" is one held at a gate until the
/// test lets it go, so every window here holds on a loaded machine (the suite runs among the parallel tests).
@Suite("Lecture record cache") struct LectureRecordCacheTests {
    /// Time that moves only when a test says so.
    final class ManualClock: Sendable {
        let start = ContinuousClock.now
        let elapsed = Mutex(Duration.zero)
        func now() -> ContinuousClock.Instant { start + elapsed.withLock { $0 } }
        func advance(by duration: Duration) { elapsed.withLock { $0 += duration } }
    }

    /// Loads wait here while it is closed.
    final class Gate: Sendable {
        let closed = Mutex(false)
        func close() { closed.withLock { $0 = true } }
        func open() { closed.withLock { $0 = false } }
        func pass() async throws {
            while closed.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    /// Polls until `condition` holds (an event, not a time: on a loaded machine it only takes longer).
    static func eventually(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    }

    final class CountingLoader: Sendable {
        let calls = Mutex(0)
        let record: LectureRecord?
        let gate = Gate()
        init(_ record: LectureRecord?) { self.record = record }
        func load() async throws -> LectureRecord? {
            calls.withLock { $0 += 1 }
            try await gate.pass()
            return record
        }
        var count: Int { calls.withLock { $0 } }
    }

    static let sample = LectureRecord(
        lectureId: "lec_1",
        courseId: "CS101",
        ownerId: "p",
        title: "t",
        filename: "f.mp4",
        contentType: "video/mp4",
        sizeBytes: 1,
        sourceKey: "uploads/lec_1/source"
    )

    @Test func zeroTTLReadsEveryTime() async throws {
        let cache = LectureRecordCache(ttl: .zero), loader = CountingLoader(Self.sample)
        for _ in 0..<3 { _ = try await cache.record("lec_1") { try await loader.load() } }
        #expect(loader.count == 3)
    }

    @Test func repeatsWithinTheTTLReadOnceAndExpiryReadsAgain() async throws {
        let clock = ManualClock()
        let cache = LectureRecordCache(ttl: .seconds(1), now: { clock.now() }), loader = CountingLoader(Self.sample)
        for _ in 0..<5 { #expect(try await cache.record("lec_1") { try await loader.load() } == Self.sample) }
        #expect(loader.count == 1)
        clock.advance(by: .milliseconds(1_001))
        _ = try await cache.record("lec_1") { try await loader.load() }
        #expect(loader.count == 2)
    }

    /// Hands out the sample with title "v1", "v2", … and can be made to fail; counts reads in flight.
    final class VersionedLoader: Sendable {
        let state = Mutex((calls: 0, inFlight: 0, failing: false))
        let gate = Gate()
        func load() async throws -> LectureRecord? {
            let (call, failing) = state.withLock { state in
                state.calls += 1
                state.inFlight += 1
                return (state.calls, state.failing)
            }
            defer { state.withLock { $0.inFlight -= 1 } }
            try await gate.pass()
            if failing { throw CancellationError() }
            var record = LectureRecordCacheTests.sample
            record.title = "v\(call)"
            return record
        }
        var calls: Int { state.withLock { $0.calls } }
        var inFlight: Int { state.withLock { $0.inFlight } }
    }

    @Test func aRecordPastHalfItsTTLIsAnsweredAtOnceWhileOneReadRefreshesIt() async throws {
        let clock = ManualClock()
        let cache = LectureRecordCache(ttl: .milliseconds(1_500), now: { clock.now() }), loader = VersionedLoader()
        #expect(try await cache.record("lec_1") { try await loader.load() }?.title == "v1")
        clock.advance(by: .milliseconds(800))
        loader.gate.close()
        // Past half the TTL: the cached record comes back while the refresh is still held in the loader…
        for _ in 0..<3 { #expect(try await cache.record("lec_1") { try await loader.load() }?.title == "v1") }
        try await Self.eventually { loader.calls >= 2 }  // the refresh task gets going
        #expect(loader.inFlight == 1)
        #expect(loader.calls == 2)
        // …and once it is done, its record is the one answered, with a fresh TTL: at 1.52 s the first read's record
        // would have expired, and the refresh's (read at 0.8 s) is not yet half way, so nothing reads again.
        loader.gate.open()
        try await Self.eventually { loader.inFlight == 0 }
        clock.advance(by: .milliseconds(720))
        #expect(try await cache.record("lec_1") { try await loader.load() }?.title == "v2")
        #expect(loader.calls == 2)
    }

    @Test func aFailedOrInvalidatedRefreshNeverOutlivesTheTTL() async throws {
        let clock = ManualClock()
        let cache = LectureRecordCache(ttl: .milliseconds(1_000), now: { clock.now() }), loader = VersionedLoader()
        _ = try await cache.record("lec_1") { try await loader.load() }
        clock.advance(by: .milliseconds(600))
        loader.state.withLock { $0.failing = true }
        #expect(try await cache.record("lec_1") { try await loader.load() }?.title == "v1")
        try await Self.eventually { loader.calls == 2 && loader.inFlight == 0 }  // the refresh has failed
        clock.advance(by: .milliseconds(600))
        // The refresh failed and the record is now past its TTL: the caller waits for (and gets) the failing read.
        await #expect(throws: CancellationError.self) { try await cache.record("lec_1") { try await loader.load() } }
        loader.state.withLock { $0.failing = false }
        #expect(try await cache.record("lec_1") { try await loader.load() }?.title == "v4")
        // A write lands while a refresh is in flight: the refresh's answer is not kept.
        clock.advance(by: .milliseconds(600))
        loader.gate.close()
        _ = try await cache.record("lec_1") { try await loader.load() }
        try await Self.eventually { loader.calls == 5 }
        #expect(loader.inFlight == 1)
        cache.invalidate("lec_1")
        loader.gate.open()
        try await Self.eventually { loader.inFlight == 0 }
        #expect(try await cache.record("lec_1") { try await loader.load() }?.title == "v6")
    }

    @Test func concurrentMissesShareOneRead() async throws {
        let clock = ManualClock()
        let cache = LectureRecordCache(ttl: .seconds(1), now: { clock.now() }), loader = CountingLoader(Self.sample)
        loader.gate.close()  // the first read is held until all 20 callers have asked
        try await withThrowingTaskGroup(of: LectureRecord?.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.record("lec_1") { try await loader.load() } } }
            try await Task.sleep(for: .milliseconds(200))
            loader.gate.open()
            for try await record in group { #expect(record == Self.sample) }
        }
        #expect(loader.count == 1)
    }

    @Test func invalidationForcesTheNextReadAndDropsAnInFlightOne() async throws {
        let clock = ManualClock()
        let cache = LectureRecordCache(ttl: .seconds(1), now: { clock.now() }), loader = CountingLoader(Self.sample)
        _ = try await cache.record("lec_1") { try await loader.load() }
        cache.invalidate("lec_1")
        _ = try await cache.record("lec_1") { try await loader.load() }
        #expect(loader.count == 2)
        // A write lands while a read is in flight: that read's (possibly older) answer is not kept.
        cache.invalidate("lec_1")
        loader.gate.close()
        async let inFlight = cache.record("lec_1") { try await loader.load() }
        try await Self.eventually { loader.count == 3 }
        cache.invalidate("lec_1")
        loader.gate.open()
        _ = try await inFlight
        _ = try await cache.record("lec_1") { try await loader.load() }
        #expect(loader.count == 4)
    }

    @Test func absentRecordsAndErrorsAreNotKept() async throws {
        let cache = LectureRecordCache(ttl: .seconds(1)), missing = CountingLoader(nil)
        for _ in 0..<2 { #expect(try await cache.record("lec_1") { try await missing.load() } == nil) }
        #expect(missing.count == 2)
        struct Boom: Error {}
        await #expect(throws: Boom.self) { _ = try await cache.record("lec_2") { throw Boom() } }
        let loader = CountingLoader(Self.sample)
        #expect(try await cache.record("lec_2") { try await loader.load() } == Self.sample)
    }

    @Test func theSettingIsBoundedToOneSecond() throws {
        #expect(try APIApplication.recordCacheTTL(fromEnvironment: [:]) == .seconds(1))
        #expect(
            try APIApplication.recordCacheTTL(fromEnvironment: ["LECTERN_RECORD_CACHE_SECONDS": "0.25"])
                == .milliseconds(250)
        )
        #expect(throws: APIConfigError.self) {
            try APIApplication.recordCacheTTL(fromEnvironment: ["LECTERN_RECORD_CACHE_SECONDS": "5"])
        }
    }

    @Test func throughTheAPIWritesShowAtOnceAndEveryRequestIsAuthorized() async throws {
        let world = try await TestWorld.make()
        let app = APIApplication(
            config: world.app.config,
            services: world.services,
            authenticator: world.app.authenticator,
            recordCacheTTL: .seconds(1)
        )
        let client = APIClient { request in await app.respond(to: request) }
        let professor = try await world.token(.professor, courses: ["CS101"])
        let stranger = try await world.token(.professor, user: "professor-2", courses: ["MA201"])
        let created = try await world.createLecture(client, token: professor, course: "CS101", size: 1_000)
        let id = created.lecture.id
        #expect(
            try await client.call("GET", "/v1/lectures/\(id)", token: professor).decode(LectureView.self).state
                == "awaiting_upload"
        )
        // Cached, yet another course's professor is still refused.
        #expect(try await client.call("GET", "/v1/lectures/\(id)", token: stranger).status == 403)
        // This API's own write shows on the next read.
        _ = try await TestWorld.put(
            TestWorld.bytes(1_000),
            to: created.upload.url!,
            headers: created.upload.headers ?? [:]
        )
        #expect(try await client.call("POST", "/v1/lectures/\(id)/upload/complete", token: professor).status == 202)
        #expect(
            try await client.call("GET", "/v1/lectures/\(id)", token: professor).decode(LectureView.self).state
                == "queued"
        )
        // A write from elsewhere (the worker) shows within the TTL.
        try await world.services.store.transition(
            id,
            from: [.queued],
            to: .processing,
            changes: ["progressStage": .s("encoding")]
        )
        try await Task.sleep(for: .milliseconds(1_100))
        #expect(
            try await client.call("GET", "/v1/lectures/\(id)", token: professor).decode(LectureView.self).state
                == "processing"
        )
    }
}
