import AWS
import Foundation
import LecternAPI
import LecternCore

/// What `scenarios_professor.py` needs that the browser cannot make in a few seconds, written straight to the table:
/// - a second professor, Grace, of the shared course and of a second course (`etaCourse`), whose last visit to both
///   was two hours ago, so everything this run makes ready or failed is new to her ("since your last visit");
/// - in the second course, two encodes a worker would be in the middle of (encodes in this stack take about 3 s,
///   too short to see a time-left estimate or the first stage): one just claimed, one 40 % through and started a
///   minute before; their leases last an hour and they carry no outbox marker, so no sweeper touches them;
/// - a failed lecture there, failed after her last visit.
/// None is in the shared course, so the other scenarios and the final count of its lectures do not see them.
enum ProfessorFixtures {
    static let etaCourse = "CS102"
    static let professor = "prof-grace"

    static func write(_ stack: PortalStack, now: Date = Date()) async throws -> [String: Any] {
        let visit = now.addingTimeInterval(-2 * 3600)
        let activity = UserActivityStore(store: stack.store)
        for course in [stack.course, etaCourse] {
            try await activity.recordVisit(course: course, user: professor, now: visit)
        }
        let starting = try await encoding(
            stack.store,
            title: "Week 5 (starting)",
            percent: 0,
            stage: "claimed",
            startedAt: now
        )
        let encoding = try await encoding(
            stack.store,
            title: "Week 6 (encoding)",
            percent: 40,
            stage: "encoding",
            startedAt: now.addingTimeInterval(-60)
        )
        let failed = record(title: "Week 4 (unreadable)", state: .awaitingUpload, now: now)
        try await stack.store.create(failed)
        try await stack.store.transition(
            failed.lectureId,
            from: [.awaitingUpload],
            to: .failed,
            changes: [
                "failureReason": .s("This file is not a video or audio recording we can read."),
                "failureRetryable": .bool(false),
            ]
        )
        return [
            "professorToken2": try await DevTokens.mint(
                secret: PortalStack.secret,
                role: .professor,
                user: professor,
                courses: [stack.course, etaCourse],
                name: "Grace Hopper",
                expiresIn: 1800
            ),
            "etaCourse": etaCourse, "visitSeededAt": ISO8601DateFormatter().string(from: visit),
            "startingLectureId": starting, "encodingLectureId": encoding, "failedLectureId": failed.lectureId,
        ]
    }

    static func record(title: String, state: LectureState, now: Date) -> LectureRecord {
        let id = ObjectKeys.newLectureID()
        return LectureRecord(
            lectureId: id,
            courseId: etaCourse,
            ownerId: professor,
            title: title,
            filename: "week.mp4",
            contentType: "video/mp4",
            sizeBytes: 40_000_000,
            sourceKey: ObjectKeys.source(lectureID: id),
            state: state,
            now: now
        )
    }

    static func encoding(
        _ store: LectureStore,
        title: String,
        percent: Double,
        stage: String,
        startedAt: Date
    ) async throws -> String {
        var lecture = record(title: title, state: .processing, now: startedAt)
        lecture.jobVersion = ObjectKeys.newOutputVersion(now: startedAt)
        lecture.attempts = 1
        lecture.workerId = "portal-test-absent-worker"
        lecture.leaseExpiresAt = Date().addingTimeInterval(3600)
        lecture.progressPercent = percent
        lecture.progressStage = stage
        lecture.encodeStartedAt = startedAt
        try await store.create(lecture)
        return lecture.lectureId
    }
}
