import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

/// Issue 19: a student's visits and watch progress, kept per (course, user) in the lectures table (moto's DynamoDB).
@Suite("User activity in DynamoDB (moto)") struct UserActivityStoreTests {
    func makeStores() async throws -> (LectureStore, UserActivityStore) {
        let moto = try await MotoServer.shared()
        let store = LectureStore(
            dynamo: DynamoDBClient(context: moto.context(transport: CurlTransport())),
            table: MotoServer.uniqueName("lectures")
        )
        try await store.ensureTable()
        return (store, UserActivityStore(store: store))
    }

    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    static func minutes(_ m: Double) -> Date { start.addingTimeInterval(m * 60) }

    @Test func pageLoadsCloseTogetherAreOneVisitHoweverLongItLasts() async throws {
        let (_, activity) = try await makeStores()
        let first = try await activity.recordVisit(course: "CS101", user: "stud-1", now: Self.minutes(0))
        #expect(first.lastVisitAt == Self.minutes(0) && first.previousVisitAt == nil)
        // Every 20 minutes for an hour: one visit (measured from the last load, not from the visit's start).
        for m in [20.0, 40, 60] {
            let again = try await activity.recordVisit(course: "CS101", user: "stud-1", now: Self.minutes(m))
            #expect(again.lastVisitAt == Self.minutes(0), "a load \(m) min in started a new visit")
            #expect(again.previousVisitAt == nil)
        }
        // 31 minutes after the last load: a new visit; what is new is what appeared after that last load.
        let next = try await activity.recordVisit(course: "CS101", user: "stud-1", now: Self.minutes(91))
        #expect(next.lastVisitAt == Self.minutes(91))
        #expect(next.previousVisitAt == Self.minutes(60))
        // The answer is what is stored, and another course or user has its own.
        let stored = try await activity.activity(course: "CS101", user: "stud-1")
        #expect(stored.lastVisitAt == next.lastVisitAt && stored.previousVisitAt == next.previousVisitAt)
        #expect(try await activity.activity(course: "CS102", user: "stud-1") == .empty)
        #expect(try await activity.activity(course: "CS101", user: "stud-2") == .empty)
    }

    @Test func aWatchedLectureStaysWatchedWhenRewatchedFromTheStart() async throws {
        let (_, activity) = try await makeStores()
        try await activity.recordProgress(
            course: "CS101",
            user: "stud-1",
            lectureID: "lec_a",
            position: 600,
            duration: 3600,
            now: Self.minutes(1)
        )
        var progress = try #require(try await activity.activity(course: "CS101", user: "stud-1").lectures["lec_a"])
        #expect(progress.position == 600 && progress.duration == 3600 && !progress.completed)
        #expect(progress.updatedAt == Self.minutes(1))

        try await activity.recordProgress(
            course: "CS101",
            user: "stud-1",
            lectureID: "lec_a",
            position: 3580,
            duration: 3600
        )
        #expect(try await activity.activity(course: "CS101", user: "stud-1").lectures["lec_a"]?.completed == true)

        try await activity.recordProgress(
            course: "CS101",
            user: "stud-1",
            lectureID: "lec_a",
            position: 12,
            duration: 3600
        )
        progress = try #require(try await activity.activity(course: "CS101", user: "stud-1").lectures["lec_a"])
        #expect(progress.position == 12, "the position follows the student")
        #expect(progress.completed, "rewatching the start took the watched marker away")
    }

    @Test func activityItemsNeverShowUpAsLectures() async throws {
        let (store, activity) = try await makeStores()
        try await activity.recordVisit(course: "CS101", user: "stud-1", now: Self.start)
        try await activity.recordProgress(
            course: "CS101",
            user: "stud-1",
            lectureID: "lec_a",
            position: 1,
            duration: 10
        )
        #expect(try await store.list(course: "CS101").records.isEmpty)
    }

    @Test(arguments: [
        (0.0, 100.0, false), (89.0, 100.0, false), (90.0, 100.0, true), (3240.0, 3600.0, true),
        (3239.0, 3600.0, false), (1.0, 30.0, false), (27.0, 30.0, true), (5.0, 0.0, false),
    ])
    func whatCountsAsWatched(position: Double, duration: Double, watched: Bool) {
        #expect(UserActivityStore.completes(position: position, duration: duration) == watched)
    }
}
