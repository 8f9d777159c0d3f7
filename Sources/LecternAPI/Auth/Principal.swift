import Foundation

/// The roles a Lectern token may carry.
public enum Role: String, Sendable, Codable, CaseIterable {
    case professor, student, ops
}

/// Who sent a request, from a verified token.
public struct Principal: Sendable, Equatable {
    public var userID: String
    public var name: String?
    public var role: Role
    public var courses: Set<String>
    /// When the credential behind this caller stops being valid (the token's `exp`): what the API hands out on its
    /// behalf (playback grants) lasts no longer. Nil for callers built without one.
    public var expires: Date?
    /// The token's `email` claim; nil when it had none.
    public var email: String?

    public init(
        userID: String,
        name: String? = nil,
        role: Role,
        courses: Set<String> = [],
        expires: Date? = nil,
        email: String? = nil
    ) {
        self.userID = userID
        self.name = name
        self.role = role
        self.courses = courses
        self.expires = expires
        self.email = email
    }

    public func isMember(of course: String) -> Bool { courses.contains(course) }

    /// Professors of the course: the ones who may upload, retry and delete its lectures. `naming` is how the problem
    /// refers to the course: its id only when the caller named it themselves (creating a lecture), never a stored
    /// record's course, which the caller may not know.
    public func requireProfessor(of course: String, naming: String? = nil) throws(APIProblem) {
        let name = naming ?? "course \(course)"
        guard role == .professor else {
            throw .forbidden("only a professor of \(name) may do this (you are \(role.rawValue))")
        }
        guard isMember(of: course) else { throw .forbidden("you are not a professor of \(name)") }
    }
}
