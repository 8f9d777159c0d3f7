import LecternCore

/// Who may see and change a lecture. Wrong role or course is a 403; a student asking for a lecture that is not
/// published yet gets a 404, as if it did not exist.
enum LectureAccess {
    static func requireRead(_ record: LectureRecord, by caller: Principal) throws(APIProblem) {
        switch caller.role {
        case .ops: return
        case .professor:
            guard caller.isMember(of: record.courseId) else { throw .forbidden("you are not a professor of course \(record.courseId)") }
        case .student:
            guard caller.isMember(of: record.courseId) else { throw .forbidden("you are not enrolled in course \(record.courseId)") }
            guard record.state.isPublished else { throw .notFound("lecture \(record.lectureId) does not exist") }
        }
    }

    static func requireManage(_ record: LectureRecord, by caller: Principal) throws(APIProblem) {
        try caller.requireProfessor(of: record.courseId)
    }

    /// Retry is for professors of the course and for operators.
    static func requireRetry(_ record: LectureRecord, by caller: Principal) throws(APIProblem) {
        if caller.role == .ops { return }
        try caller.requireProfessor(of: record.courseId)
    }

    static func requireList(course: String, by caller: Principal) throws(APIProblem) {
        if caller.role == .ops { return }
        guard caller.isMember(of: course) else { throw .forbidden("you are not a member of course \(course)") }
    }
}
