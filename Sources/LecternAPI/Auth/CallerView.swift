/// `GET /v1/me`: who the API takes the caller to be, from their verified token — what the portal shows as "signed in
/// as", and what a professor or operator can check when an answer is 403 (wrong role, course missing from the token).
struct CallerView: Encodable, Equatable {
    var userId: String
    var name: String?
    var role: Role
    /// Sorted, so the answer is the same for the same token.
    var courses: [String]

    init(_ principal: Principal) {
        userId = principal.userID
        name = principal.name
        role = principal.role
        courses = principal.courses.sorted()
    }

    static func handle(_ context: RequestContext) throws -> APIResponse {
        .json(CallerView(try context.caller))
    }
}
