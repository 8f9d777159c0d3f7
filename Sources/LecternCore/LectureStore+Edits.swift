import AWS
import Foundation

/// What a professor may change on a lecture after its upload: its words and who sees it. Never anything an encode
/// depends on, so an edit never re-encodes.
public struct LectureEdit: Sendable, Equatable {
    public var title: String?
    /// `.some(nil)` removes the description.
    public var description: String??
    public var visibility: LectureVisibility?
    /// `.some(nil)` removes the publish time (any visibility but `scheduled`).
    public var publishAt: Date??

    public init(
        title: String? = nil,
        description: String?? = nil,
        visibility: LectureVisibility? = nil,
        publishAt: Date?? = nil
    ) {
        self.title = title
        self.description = description
        self.visibility = visibility
        self.publishAt = publishAt
    }

    public var isEmpty: Bool { title == nil && description == nil && visibility == nil && publishAt == nil }
}

extension LectureStore {
    /// Applies `edit` in one UpdateItem that sets (or removes) only the attributes it names, plus `updatedAt`: a
    /// worker's heartbeat or publish racing with it keeps its own attributes and the edit keeps its own, so neither
    /// loses the other's update. Conditional on the lecture existing, so an edit racing a delete cannot leave a
    /// half item behind. Answers the record as it is after the edit.
    /// - Throws: `Conflict` (with `current` nil) when the lecture does not exist.
    @discardableResult
    public func edit(_ id: String, _ edit: LectureEdit, now: Date = Date()) async throws -> LectureRecord {
        var names = ["#updated": "updatedAt"]
        var values: DynamoDBItem = [":now": try dynamo.encoder.encodeValue(now)]
        var sets = ["#updated = :now"]
        var removes: [String] = []
        func apply(_ attribute: String, _ value: AttributeValue?) {
            let placeholder = "#" + attribute
            names[placeholder] = attribute
            if let value {
                values[":" + attribute] = value
                sets.append("\(placeholder) = :\(attribute)")
            } else {
                removes.append(placeholder)
            }
        }
        if let title = edit.title { apply("title", .s(title)) }
        if let description = edit.description { apply("description", description.map { .s($0) }) }
        if let visibility = edit.visibility { apply("visibility", .s(visibility.rawValue)) }
        if let publishAt = edit.publishAt {
            apply("publishAt", try publishAt.map { try dynamo.encoder.encodeValue($0) })
        }
        var update = "SET " + sets.joined(separator: ", ")
        if !removes.isEmpty { update += " REMOVE " + removes.joined(separator: ", ") }
        do {
            guard
                let item = try await dynamo.updateItem(
                    table: table,
                    key: ["lectureId": .s(id)],
                    update: update,
                    condition: "attribute_exists(lectureId)",
                    names: names,
                    values: values
                )
            else {
                throw Conflict(lectureID: id, current: nil)
            }
            return try dynamo.decoder.decode(LectureRecord.self, from: item)
        } catch let error as AWSError where error.isConditionFailed {
            throw Conflict(lectureID: id, current: nil)
        }
    }
}
