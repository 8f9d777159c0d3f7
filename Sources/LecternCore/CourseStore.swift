import AWS
import Foundation

/// The course registry, kept in the lectures table: one item per course under the key `lectureId = "course#<code>"`.
/// Why the lectures table and not the configuration: professors rename courses and change their defaults through
/// the API (`PATCH /v1/courses/{course}`), which a configuration file cannot take without a redeploy, and a second
/// table would be one more resource, IAM grant and bootstrap step for a handful of items.
///
/// Course items never appear as lectures: the `byCourse` index is keyed on `courseId` and `createdAt`, and a course
/// item stores its code as `course` and has no `createdAt`, so DynamoDB leaves it out of that (sparse) index; it has
/// no `outbox` either, so the outbox sweeps never see it; and the API loads only keys starting `lec_` as lectures.
public struct CourseStore: Sendable {
    public let dynamo: DynamoDBClient
    public let table: String

    public static let keyPrefix = "course#"

    public init(dynamo: DynamoDBClient, table: String) {
        self.dynamo = dynamo
        self.table = table
    }

    public init(_ lectures: LectureStore) { self.init(dynamo: lectures.dynamo, table: lectures.table) }

    /// The item as stored: the settings under names the course index does not use.
    struct Item: Codable, Equatable {
        var lectureId: String
        var course: String
        var name: String
        var defaultVisibility: LectureVisibility
        var captionLanguage: String?
        var registryUpdatedAt: Date?

        init(_ settings: CourseSettings) {
            lectureId = CourseStore.keyPrefix + settings.courseId
            course = settings.courseId
            name = settings.name
            defaultVisibility = settings.defaultVisibility
            captionLanguage = settings.captionLanguage
            registryUpdatedAt = settings.updatedAt
        }

        var settings: CourseSettings {
            CourseSettings(
                courseId: course,
                name: name,
                defaultVisibility: defaultVisibility,
                captionLanguage: captionLanguage,
                updatedAt: registryUpdatedAt
            )
        }
    }

    static func key(_ courseId: String) -> DynamoDBItem { ["lectureId": .s(keyPrefix + courseId)] }

    /// The course's registry entry, or nil when it has none (callers show `CourseSettings.unregistered`).
    public func get(_ courseId: String) async throws -> CourseSettings? {
        try await dynamo.getItem(Item.self, table: table, key: Self.key(courseId), consistentRead: true)?.settings
    }

    /// The entry, or the unregistered default.
    public func settings(_ courseId: String) async throws -> CourseSettings {
        try await get(courseId) ?? .unregistered(courseId)
    }

    /// Writes the whole entry (creates or replaces it).
    public func put(_ settings: CourseSettings, now: Date = Date()) async throws {
        var settings = settings
        settings.updatedAt = now
        try await dynamo.putItem(table: table, Item(settings))
    }

    /// The change a professor asks for: only the named fields. `captionLanguage: .some(nil)` removes it.
    public struct Change: Sendable, Equatable {
        public var name: String?
        public var defaultVisibility: LectureVisibility?
        public var captionLanguage: String??

        public init(name: String? = nil, defaultVisibility: LectureVisibility? = nil, captionLanguage: String?? = nil) {
            self.name = name
            self.defaultVisibility = defaultVisibility
            self.captionLanguage = captionLanguage
        }
    }

    /// Applies `change` to the entry, creating it (named after its code) if there is none. One UpdateItem that sets
    /// only the named attributes, so two professors changing different fields at once both keep their change.
    @discardableResult
    public func update(_ courseId: String, _ change: Change, now: Date = Date()) async throws -> CourseSettings {
        var names = [
            "#course": "course", "#name": "name", "#vis": "defaultVisibility", "#updated": "registryUpdatedAt",
        ]
        // DynamoDB refuses values an expression does not use: each is added with the clause that reads it.
        var values: DynamoDBItem = [":course": .s(courseId), ":now": try dynamo.encoder.encodeValue(now)]
        var sets = ["#course = :course", "#updated = :now"]
        var removes: [String] = []
        if let name = change.name {
            values[":name"] = .s(name)
            sets.append("#name = :name")
        } else {
            sets.append("#name = if_not_exists(#name, :course)")
        }
        if let visibility = change.defaultVisibility {
            values[":vis"] = .s(visibility.rawValue)
            sets.append("#vis = :vis")
        } else {
            values[":published"] = .s(LectureVisibility.published.rawValue)
            sets.append("#vis = if_not_exists(#vis, :published)")
        }
        if let language = change.captionLanguage {
            names["#lang"] = "captionLanguage"
            if let language {
                values[":lang"] = .s(language)
                sets.append("#lang = :lang")
            } else {
                removes.append("#lang")
            }
        }
        var update = "SET " + sets.joined(separator: ", ")
        if !removes.isEmpty { update += " REMOVE " + removes.joined(separator: ", ") }
        let item = try await dynamo.updateItem(
            table: table,
            key: Self.key(courseId),
            update: update,
            names: names,
            values: values
        )
        guard let item else { return try await settings(courseId) }
        return try dynamo.decoder.decode(Item.self, from: item).settings
    }
}
