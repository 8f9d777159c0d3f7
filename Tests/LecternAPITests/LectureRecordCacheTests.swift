import Foundation
@testable import LecternAPI
import LecternCore
import Synchronization
import Testing

/// The short-TTL record cache: single flight, expiry, invalidation; and through the API: writes show at once,
/// authorization still runs per request.
@Suite("Lecture record cache") struct LectureRecordCacheTests {
    final class CountingLoader: Sendable {
        let calls = Mutex(0)
        let record: LectureRecord?
        let delay: Duration
        init(_ record: LectureRecord?, delay: Duration = .zero) { self.record = record; self.delay = delay }
        func load() async throws -> LectureRecord? {
            calls.withLock { $0 += 1 }
            if delay > .zero { try await Task.sleep(for: delay) }
            return record
        }
        var count: Int { calls.withLock { $0 } }
    }

    static let sample = LectureRecord(lectureId: "lec_1", courseId: "CS101", ownerId: "p", title: "t", filename: "f.mp4",
                                      contentType: "video/mp4", sizeBytes: 1, sourceKey: "uploads/lec_1/source")

    @Test func zeroTTLReadsEveryTime() async throws {
        let cache = LectureRecordCache(ttl: .zero), loader = CountingLoader(Self.sample)
        for _ in 0..<3 { _ = try await cache.record("lec_1") { try await loader.load() } }
        #expect(loader.count == 3)
    }

    @Test func repeatsWithinTheTTLReadOnceAndExpiryReadsAgain() async throws {
        // A TTL long enough that five in-memory hits fit in it on a loaded machine.
        let cache = LectureRecordCache(ttl: .seconds(2)), loader = CountingLoader(Self.sample)
        for _ in 0..<5 { #expect(try await cache.record("lec_1") { try await loader.load() } == Self.sample) }
        #expect(loader.count == 1)
        try await Task.sleep(for: .milliseconds(2_200))
        _ = try await cache.record("lec_1") { try await loader.load() }
        #expect(loader.count == 2)
    }

    @Test func concurrentMissesShareOneRead() async throws {
        let cache = LectureRecordCache(ttl: .seconds(1)), loader = CountingLoader(Self.sample, delay: .milliseconds(200))
        try await withThrowingTaskGroup(of: LectureRecord?.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.record("lec_1") { try await loader.load() } } }
            for try await record in group { #expect(record == Self.sample) }
        }
        #expect(loader.count == 1)
    }

    @Test func invalidationForcesTheNextReadAndDropsAnInFlightOne() async throws {
        let cache = LectureRecordCache(ttl: .seconds(1)), loader = CountingLoader(Self.sample, delay: .milliseconds(200))
        _ = try await cache.record("lec_1") { try await loader.load() }
        cache.invalidate("lec_1")
        _ = try await cache.record("lec_1") { try await loader.load() }
        #expect(loader.count == 2)
        // A write lands while a read is in flight: that read's (possibly older) answer is not kept.
        cache.invalidate("lec_1")
        async let inFlight = cache.record("lec_1") { try await loader.load() }
        try await Task.sleep(for: .milliseconds(50))
        cache.invalidate("lec_1")
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
        #expect(try APIApplication.recordCacheTTL(fromEnvironment: ["LECTERN_RECORD_CACHE_SECONDS": "0.25"]) == .milliseconds(250))
        #expect(throws: APIConfigError.self) { try APIApplication.recordCacheTTL(fromEnvironment: ["LECTERN_RECORD_CACHE_SECONDS": "5"]) }
    }

    @Test func throughTheAPIWritesShowAtOnceAndEveryRequestIsAuthorized() async throws {
        let world = try await TestWorld.make()
        let app = APIApplication(config: world.app.config, services: world.services, authenticator: world.app.authenticator,
                                 recordCacheTTL: .seconds(1))
        let client = APIClient { request in await app.respond(to: request) }
        let professor = try await world.token(.professor, courses: ["CS101"])
        let stranger = try await world.token(.professor, user: "professor-2", courses: ["MA201"])
        let created = try await world.createLecture(client, token: professor, course: "CS101", size: 1_000)
        let id = created.lecture.id
        #expect(try await client.call("GET", "/v1/lectures/\(id)", token: professor).decode(LectureView.self).state == "awaiting_upload")
        // Cached, yet another course's professor is still refused.
        #expect(try await client.call("GET", "/v1/lectures/\(id)", token: stranger).status == 403)
        // This API's own write shows on the next read.
        _ = try await TestWorld.put(TestWorld.bytes(1_000), to: created.upload.url!, headers: created.upload.headers ?? [:])
        #expect(try await client.call("POST", "/v1/lectures/\(id)/upload/complete", token: professor).status == 202)
        #expect(try await client.call("GET", "/v1/lectures/\(id)", token: professor).decode(LectureView.self).state == "queued")
        // A write from elsewhere (the worker) shows within the TTL.
        try await world.services.store.transition(id, from: [.queued], to: .processing, changes: ["progressStage": .s("encoding")])
        try await Task.sleep(for: .milliseconds(1_100))
        #expect(try await client.call("GET", "/v1/lectures/\(id)", token: professor).decode(LectureView.self).state == "processing")
    }
}
