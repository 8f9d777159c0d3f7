import Foundation
import LecternCore

/// Who may see and change a lecture. Wrong role or course is a 403 that never names the lecture's course (the
/// caller may not know it, and a 403 must not tell them); a student asking for a lecture that is not
/// visible to students (not ready, a draft, scheduled for later) gets a 404, as if it did not exist.
enum LectureAccess {
    static func requireRead(_ record: LectureRecord, by caller: Principal) throws(APIProblem) {
        switch caller.role {
        case .ops: return
        case .professor:
            guard caller.isMember(of: record.courseId) else {
                throw .forbidden("you are not a professor of this lecture's course")
            }
        case .student:
            guard caller.isMember(of: record.courseId) else {
                throw .forbidden("you are not enrolled in this lecture's course")
            }
            // Not ready, a draft, or scheduled for later: 404, as if it did not exist (a 403 would tell it does).
            // Playback routes and grants come through here too, so a grant minted while the lecture was published
            // stops working once it is a draft again (within the record cache's TTL, at most 1 s).
            guard isVisibleToStudents(record) else { throw .notFound("lecture \(record.lectureId) does not exist") }
        }
    }

    /// Ready and published (`LectureRecord.isVisibleToStudents`), or published and playable while it encodes
    /// (issue #15): the same visibility rule, so a draft's growing stream stays hidden from students.
    static func isVisibleToStudents(_ record: LectureRecord, at now: Date = Date()) -> Bool {
        record.isVisibleToStudents(at: now)
            || (record.growingSplit != nil && record.visibility(at: now) == .published)
    }

    static func requireManage(_ record: LectureRecord, by caller: Principal) throws(APIProblem) {
        try caller.requireProfessor(of: record.courseId, naming: "this lecture's course")
    }

    /// Retry is for professors of the course and for operators.
    static func requireRetry(_ record: LectureRecord, by caller: Principal) throws(APIProblem) {
        if caller.role == .ops { return }
        try caller.requireProfessor(of: record.courseId, naming: "this lecture's course")
    }

    static func requireList(course: String, by caller: Principal) throws(APIProblem) {
        if caller.role == .ops { return }
        guard caller.isMember(of: course) else { throw .forbidden("you are not a member of course \(course)") }
    }
}
