import Foundation
import LecternCore
import Logging

/// A course as clients see it: its code, its name (the code when the registry has no entry) and its defaults.
public struct CourseView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var defaultVisibility: String
    public var captionLanguage: String?

    init(_ settings: CourseSettings) {
        id = settings.courseId
        name = settings.name
        defaultVisibility = settings.defaultVisibility.rawValue
        captionLanguage = settings.captionLanguage
    }
}

/// GET /v1/courses
public struct CourseList: Codable, Sendable {
    public var courses: [CourseView]
}

/// PATCH /v1/courses/{course}: every field optional; `captionLanguage: null` (or "") removes it.
public struct CourseEditRequest: Codable, Sendable {
    public var name: String?
    public var defaultVisibility: String?
    public var captionLanguage: String??

    public init(name: String? = nil, defaultVisibility: String? = nil, captionLanguage: String?? = nil) {
        self.name = name
        self.defaultVisibility = defaultVisibility
        self.captionLanguage = captionLanguage
    }

    enum CodingKeys: String, CodingKey { case name, defaultVisibility, captionLanguage }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        defaultVisibility = try container.decodeIfPresent(String.self, forKey: .defaultVisibility)
        captionLanguage =
            container.contains(.captionLanguage)
            ? .some(try container.decodeIfPresent(String.self, forKey: .captionLanguage)) : nil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(defaultVisibility, forKey: .defaultVisibility)
        if let captionLanguage { try container.encode(captionLanguage, forKey: .captionLanguage) }
    }
}

/// The course registry over HTTP: the caller's courses with their names, one course, and its professors' changes.
struct CourseHandlers: Sendable {
    let store: CourseStore
    let logger: Logger

    static let nameLimit = 120
    /// A token lists a handful of courses; more are answered under their codes without a read each.
    static let namedCoursesLimit = 50

    /// The courses the caller's token lists (`courses` claim), each with its registry name.
    func list(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        var views: [CourseView] = []
        for (index, course) in caller.courses.sorted().enumerated() where LectureHandlers.isCourseName(course) {
            views.append(
                CourseView(index < Self.namedCoursesLimit ? try await store.settings(course) : .unregistered(course))
            )
        }
        return .json(CourseList(courses: views))
    }

    func get(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let course = try Self.courseParameter(context)
        try LectureAccess.requireList(course: course, by: caller)
        return .json(CourseView(try await store.settings(course)))
    }

    func edit(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let course = try Self.courseParameter(context)
        try caller.requireProfessor(of: course)
        let request = try APIJSON.decode(CourseEditRequest.self, from: context.request)
        let change = try Self.change(request)
        let settings = try await store.update(course, change)
        logger.info("course edited", metadata: ["course": "\(course)"])
        return .json(CourseView(settings))
    }

    static func courseParameter(_ context: RequestContext) throws(APIProblem) -> String {
        let course = context.parameter("course")
        guard LectureHandlers.isCourseName(course) else {
            throw .badRequest("a course name is 1…64 letters, digits, '-', '_' or '.'")
        }
        return course
    }

    static func change(_ request: CourseEditRequest) throws(APIProblem) -> CourseStore.Change {
        var change = CourseStore.Change()
        if let text = request.name {
            let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !name.isEmpty, name.count <= nameLimit else {
                throw .unprocessable("field 'name' must be 1…\(nameLimit) characters", kind: "invalid-field")
            }
            guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw .unprocessable(
                    "field 'name' must not contain control characters (line breaks, tabs…)",
                    kind: "invalid-field"
                )
            }
            change.name = name
        }
        if let text = request.defaultVisibility {
            guard let visibility = LectureVisibility(rawValue: text),
                CourseSettings.defaultVisibilities.contains(visibility)
            else {
                throw .unprocessable(
                    "field 'defaultVisibility' must be \"published\" or \"draft\"",
                    kind: "invalid-field"
                )
            }
            change.defaultVisibility = visibility
        }
        if let language = request.captionLanguage {
            let tag = language?.trimmingCharacters(in: .whitespaces) ?? ""
            if tag.isEmpty {
                change.captionLanguage = .some(nil)
            } else {
                guard CourseSettings.isLanguageTag(tag) else {
                    throw .unprocessable(
                        "field 'captionLanguage' must be a BCP 47 language tag such as en, en-GB or de-CH",
                        kind: "invalid-field"
                    )
                }
                change.captionLanguage = .some(tag)
            }
        }
        guard change != CourseStore.Change() else {
            throw .unprocessable(
                "name at least one of 'name', 'defaultVisibility' or 'captionLanguage' to change",
                kind: "invalid-field"
            )
        }
        return change
    }
}
