import AWS
import Foundation
import LecternAPI
import LecternCore

/// The lecture `scenarios_growing.py` watches while it encodes (issue #15), in a course of its own (`course`) so the
/// other scenarios and the final count of the shared course's lectures do not see it: processing, with a lease no
/// sweeper takes away and a placeholder split the scenario replaces (with boto3, from the ready lecture's segments).
enum GrowingFixtures {
    static let course = "CS103"

    static func write(_ stack: PortalStack, now: Date = Date()) async throws -> [String: Any] {
        let id = ObjectKeys.newLectureID()
        var lecture = LectureRecord(
            lectureId: id,
            courseId: course,
            ownerId: "prof-ada",
            title: "Week 7 (long seminar)",
            filename: "seminar.mp4",
            contentType: "video/mp4",
            sizeBytes: 2_000_000_000,
            sourceKey: ObjectKeys.source(lectureID: id),
            state: .processing,
            now: now
        )
        let version = ObjectKeys.newOutputVersion(now: now)
        lecture.visibility = .published
        lecture.jobVersion = version
        lecture.attempts = 1
        lecture.workerId = "portal-test-absent-worker"
        lecture.leaseExpiresAt = now.addingTimeInterval(3600)
        lecture.progressPercent = 5
        lecture.progressStage = "encoding"
        lecture.encodeStartedAt = now
        lecture.split = LectureSplit(outputVersion: version, chunks: [.init(start: 0, end: 1)])
        try await stack.store.create(lecture)
        let token = { (role: Role, user: String, name: String) in
            try await DevTokens.mint(
                secret: PortalStack.secret,
                role: role,
                user: user,
                courses: [course],
                name: name,
                expiresIn: 1800
            )
        }
        return [
            "growingCourse": course, "growingLectureId": id,
            "growingProfessorToken": try await token(.professor, "prof-ada", "Ada Lovelace"),
            "growingStudentToken": try await token(.student, "student-alan", "Alan Turing"),
            "aws": stack.aws, "table": stack.store.table, "bucket": stack.bucket,
        ]
    }
}
