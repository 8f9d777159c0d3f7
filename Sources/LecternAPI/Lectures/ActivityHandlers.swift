import Foundation
import LecternCore

/// The caller's own activity in a course: visits (what is new since the last one) and how far they watched each
/// lecture. Always the caller's: the user comes from the verified token's `sub`, never from the request, so nobody can
/// read or write another user's activity.
struct ActivityHandlers: Sendable {
    let lectures: LectureHandlers
    var store: UserActivityStore { UserActivityStore(store: lectures.store) }

    /// Longest lecture a progress report may describe (a day: no recording is longer).
    static let maxDurationSeconds = 86_400.0
    /// A player's reported duration may differ a little from the encoded one (the last frame, audio padding).
    static let durationSlackSeconds = 5.0

    func course(_ context: RequestContext) throws -> (course: String, caller: Principal) {
        let caller = try context.caller
        let course = context.parameter("course")
        guard LectureHandlers.isCourseName(course) else {
            throw APIProblem.badRequest("a course name is 1…64 letters, digits, '-', '_' or '.'")
        }
        try LectureAccess.requireList(course: course, by: caller)
        return (course, caller)
    }

    func get(_ context: RequestContext) async throws -> APIResponse {
        let (course, caller) = try course(context)
        return .json(ActivityView(try await store.activity(course: course, user: caller.userID)))
    }

    func visit(_ context: RequestContext) async throws -> APIResponse {
        let (course, caller) = try course(context)
        return .json(ActivityView(try await store.recordVisit(course: course, user: caller.userID)))
    }

    struct ProgressInput: Decodable {
        var position: Double
        var duration: Double
    }

    func progress(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let input = try APIJSON.decode(ProgressInput.self, from: context.request)
        guard input.duration.isFinite, input.duration > 0, input.duration <= Self.maxDurationSeconds else {
            throw APIProblem.unprocessable(
                "'duration' must be a number of seconds above 0 and at most \(Int(Self.maxDurationSeconds))"
            )
        }
        guard input.position.isFinite, input.position >= 0, input.position <= input.duration + Self.durationSlackSeconds
        else {
            throw APIProblem.unprocessable("'position' must be between 0 and the duration")
        }
        let record = try await lectures.loadForReading(context.parameter("id"))
        try LectureAccess.requireRead(record, by: caller)
        guard record.state == .ready else {
            throw APIProblem.conflict("lecture \(record.lectureId) is not ready to watch yet")
        }
        // The encoded duration is the truth when known: a page cannot mark a lecture watched by claiming it is short.
        let duration = record.durationSeconds.map { max($0, 0.001) } ?? input.duration
        if let known = record.durationSeconds, abs(known - input.duration) > Self.durationSlackSeconds {
            throw APIProblem.unprocessable(
                "'duration' (\(Int(input.duration)) s) is not this lecture's (\(Int(known)) s)"
            )
        }
        try await store.recordProgress(
            course: record.courseId,
            user: caller.userID,
            lectureID: record.lectureId,
            position: min(input.position, duration),
            duration: duration
        )
        return .noContent()
    }
}

/// `GET /v1/courses/{course}/activity` and the answer to a visit.
struct ActivityView: Encodable {
    struct Progress: Encodable {
        var position: Double
        var duration: Double
        var completed: Bool
        var updatedAt: Date
    }

    var lastVisitAt: Date?
    var previousVisitAt: Date?
    var lastSeenAt: Date?
    var lectures: [String: Progress]

    init(_ activity: CourseActivity) {
        lastVisitAt = activity.lastVisitAt
        previousVisitAt = activity.previousVisitAt
        lastSeenAt = activity.lastSeenAt
        lectures = activity.lectures.mapValues {
            Progress(position: $0.position, duration: $0.duration, completed: $0.completed, updatedAt: $0.updatedAt)
        }
    }
}
