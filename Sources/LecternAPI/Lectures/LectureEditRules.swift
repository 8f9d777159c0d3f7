import Foundation
import LecternCore

/// PATCH /v1/lectures/{id}: every field optional. Fields arrive as JSON strings and are checked here rather than by
/// the decoder, so a wrong value is a 422 that names the field and says what it may be. `description: null` (or "")
/// removes the description; `publishAt: null` removes the publish time.
public struct LectureEditRequest: Codable, Sendable {
    public var title: String?
    public var description: String??
    public var visibility: String?
    public var publishAt: String??

    public init(title: String? = nil, description: String?? = nil, visibility: String? = nil, publishAt: String?? = nil)
    {
        self.title = title
        self.description = description
        self.visibility = visibility
        self.publishAt = publishAt
    }

    enum CodingKeys: String, CodingKey { case title, description, visibility, publishAt }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        visibility = try container.decodeIfPresent(String.self, forKey: .visibility)
        // Absent (leave it) and null (remove it) are different requests.
        description =
            container.contains(.description)
            ? .some(try container.decodeIfPresent(String.self, forKey: .description)) : nil
        publishAt =
            container.contains(.publishAt) ? .some(try container.decodeIfPresent(String.self, forKey: .publishAt)) : nil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(title, forKey: .title)
        try container.encodeIfPresent(visibility, forKey: .visibility)
        if let description { try container.encode(description, forKey: .description) }
        if let publishAt { try container.encode(publishAt, forKey: .publishAt) }
    }
}

/// The rules for a lecture's words and visibility, shared by create and edit.
enum LectureEditRules {
    static let titleLimit = 200
    static let descriptionLimit = 5_000

    /// The title trimmed: 1…200 characters, no control characters.
    static func title(_ text: String) throws(APIProblem) -> String {
        let title = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.count <= titleLimit else {
            throw .unprocessable("field 'title' must be 1…\(titleLimit) characters", kind: "invalid-field")
        }
        guard !title.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .unprocessable(
                "field 'title' must not contain control characters (line breaks, tabs…)",
                kind: "invalid-field"
            )
        }
        return title
    }

    /// The description trimmed, at most 5000 characters; line breaks and tabs are kept, other control characters
    /// refused. Empty means none.
    static func description(_ text: String?) throws(APIProblem) -> String? {
        guard let text else { return nil }
        let description = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard description.count <= descriptionLimit else {
            throw .unprocessable(
                "field 'description' must be at most \(descriptionLimit) characters (it has \(description.count))",
                kind: "invalid-field"
            )
        }
        guard
            !description.unicodeScalars.contains(where: {
                $0.properties.generalCategory == .control && !"\n\r\t".unicodeScalars.contains($0)
            })
        else {
            throw .unprocessable(
                "field 'description' must not contain control characters other than line breaks and tabs",
                kind: "invalid-field"
            )
        }
        return description.isEmpty ? nil : description
    }

    static func visibility(_ text: String) throws(APIProblem) -> LectureVisibility {
        guard let visibility = LectureVisibility(rawValue: text) else {
            throw .unprocessable(
                "field 'visibility' must be \"draft\", \"published\" or \"scheduled\"",
                kind: "invalid-field"
            )
        }
        return visibility
    }

    /// An RFC 3339 date-time (`2026-12-04T18:00:00Z`, fractions and offsets allowed).
    static func publishAt(_ text: String) throws(APIProblem) -> Date {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = plain.date(from: text) ?? fractional.date(from: text) else {
            throw .unprocessable(
                "field 'publishAt' must be a date and time such as 2026-12-04T18:00:00Z",
                kind: "invalid-field"
            )
        }
        return date
    }

    /// The checked change for `record`: what the request names, with the visibility and publish time consistent
    /// (a scheduled lecture has a publish time; any other visibility drops it).
    static func edit(_ request: LectureEditRequest, of record: LectureRecord) throws(APIProblem) -> LectureEdit {
        var edit = LectureEdit()
        if let title = request.title { edit.title = try Self.title(title) }
        if let description = request.description { edit.description = .some(try Self.description(description)) }
        if let visibility = request.visibility { edit.visibility = try Self.visibility(visibility) }
        var publishAt: Date?? = nil
        switch request.publishAt {
        case .none: break
        case .some(.none): publishAt = .some(nil)
        case .some(.some(let text)): publishAt = .some(try Self.publishAt(text))
        }
        let visibility = edit.visibility ?? record.visibility ?? .published
        switch visibility {
        case .scheduled:
            let when = publishAt ?? record.publishAt
            guard when != nil else {
                throw .unprocessable(
                    "a scheduled lecture needs field 'publishAt': the time students may see it",
                    kind: "invalid-field"
                )
            }
            edit.publishAt = publishAt
        case .draft, .published:
            if case .some(.some) = publishAt {
                throw .unprocessable(
                    "field 'publishAt' applies to scheduled lectures only: send \"visibility\": \"scheduled\" with it",
                    kind: "invalid-field"
                )
            }
            if edit.visibility != nil, record.publishAt != nil { edit.publishAt = .some(nil) }
        }
        guard !edit.isEmpty else {
            throw .unprocessable(
                "name at least one of 'title', 'description', 'visibility' or 'publishAt' to change",
                kind: "invalid-field"
            )
        }
        return edit
    }

    /// The visibility a new lecture starts with: the request's, else the course's default.
    static func initialVisibility(
        _ input: CreateLectureRequest,
        course: () async throws -> CourseSettings
    ) async throws
        -> (visibility: LectureVisibility, publishAt: Date?, description: String?)
    {
        let description = try Self.description(input.description)
        guard let visibility = input.visibility else {
            guard input.publishAt == nil else {
                throw APIProblem.unprocessable(
                    "field 'publishAt' applies to scheduled lectures only: send \"visibility\": \"scheduled\" with it",
                    kind: "invalid-field"
                )
            }
            return (try await course().defaultVisibility, nil, description)
        }
        switch visibility {
        case .scheduled:
            guard let publishAt = input.publishAt else {
                throw APIProblem.unprocessable(
                    "a scheduled lecture needs field 'publishAt': the time students may see it",
                    kind: "invalid-field"
                )
            }
            return (.scheduled, publishAt, description)
        case .draft, .published:
            guard input.publishAt == nil else {
                throw APIProblem.unprocessable(
                    "field 'publishAt' applies to scheduled lectures only",
                    kind: "invalid-field"
                )
            }
            return (visibility, nil, description)
        }
    }
}
