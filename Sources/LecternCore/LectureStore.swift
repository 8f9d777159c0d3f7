import AWS
import Foundation

/// The lectures table in DynamoDB. Every state change is a conditional update, so of two writers racing for the
/// same transition exactly one wins and the other gets `LectureStore.Conflict`.
public struct LectureStore: Sendable {
    public let dynamo: DynamoDBClient
    public let table: String
    public static let courseIndex = "byCourse"
    /// Sparse index of records whose job message may not have been sent yet (the API's enqueue outbox): only
    /// records carrying `outbox` and `outboxSince` are in it, so finding them never reads the whole table.
    public static let outboxIndex = "outbox"

    public init(dynamo: DynamoDBClient, table: String) {
        self.dynamo = dynamo
        self.table = table
    }

    /// The transition's condition did not hold: someone else moved the lecture first, or it is not where the
    /// caller thought. Carries the record as it is now, when there is one.
    public struct Conflict: Error, Sendable, CustomStringConvertible {
        public let lectureID: String
        public let current: LectureRecord?
        public var description: String {
            "lecture \(lectureID) is \(current.map { $0.state.rawValue } ?? "gone"); the change did not apply"
        }
    }

    public static func tableDefinition(name: String) -> DynamoDBTableDefinition {
        DynamoDBTableDefinition(
            name: name,
            partitionKey: DynamoDBKeyAttribute("lectureId"),
            globalSecondaryIndexes: [
                DynamoDBGlobalSecondaryIndex(
                    name: courseIndex,
                    partitionKey: DynamoDBKeyAttribute("courseId"),
                    sortKey: DynamoDBKeyAttribute("createdAt")
                ),
                DynamoDBGlobalSecondaryIndex(
                    name: outboxIndex,
                    partitionKey: DynamoDBKeyAttribute("outbox"),
                    sortKey: DynamoDBKeyAttribute("outboxSince"),
                    projection: .keysOnly
                ),
            ]
        )
    }

    /// Creates the table (and its course index) if it is missing; waits until it is usable.
    public func ensureTable() async throws {
        _ = try await dynamo.ensureTable(Self.tableDefinition(name: table))
    }

    private func key(_ id: String) -> DynamoDBItem { ["lectureId": .s(id)] }

    public func create(_ record: LectureRecord) async throws {
        do {
            try await dynamo.putItem(table: table, record, condition: "attribute_not_exists(lectureId)")
        } catch let error as AWSError where error.isConditionFailed {
            throw Conflict(lectureID: record.lectureId, current: try? await get(record.lectureId))
        }
    }

    /// The record as of every acknowledged write (consistent read); nil if there is none.
    public func get(_ id: String) async throws -> LectureRecord? {
        try await dynamo.getItem(LectureRecord.self, table: table, key: key(id), consistentRead: true)
    }

    /// One page of a course's lectures, newest first.
    public func list(
        course: String,
        limit: Int = 50,
        startAfter: DynamoDBItem? = nil
    ) async throws -> (records: [LectureRecord], next: DynamoDBItem?) {
        let page = try await dynamo.query(
            DynamoDBQuery(
                table: table,
                index: Self.courseIndex,
                keyCondition: "courseId = :course",
                values: [":course": .s(course)],
                limit: limit,
                exclusiveStartKey: startAfter,
                scanIndexForward: false
            )
        )
        return (try page.decode(LectureRecord.self, using: dynamo.decoder), page.lastEvaluatedKey)
    }

    public func delete(_ id: String) async throws {
        try await dynamo.deleteItem(table: table, key: key(id))
    }

    /// Applies `changes` (attribute name → new value; `nil` removes the attribute) if the lecture is in one of
    /// `from` and `extraCondition` holds, moving it to `to`. Answers the updated record.
    @discardableResult
    public func transition(
        _ id: String,
        from: Set<LectureState>,
        to: LectureState,
        changes: [String: AttributeValue?] = [:],
        extraCondition: String? = nil,
        extraValues: DynamoDBItem = [:],
        now: Date = Date()
    ) async throws -> LectureRecord {
        precondition(from.allSatisfy { $0.canMove(to: to) }, "transition \(from) → \(to) is not allowed")
        var names: [String: String] = ["#state": "state", "#updatedAt": "updatedAt"]
        var values: DynamoDBItem = extraValues
        values[":to"] = .s(to.rawValue)
        values[":now"] = try dynamo.encoder.encodeValue(now)
        var sets = ["#state = :to", "#updatedAt = :now"]
        if to == .ready || to == .failed {
            names["#finishedAt"] = "finishedAt"
            sets.append("#finishedAt = :now")
        }
        var removes: [String] = []
        for (index, (name, value)) in changes.sorted(by: { $0.key < $1.key }).enumerated() {
            names["#c\(index)"] = name
            if let value {
                values[":c\(index)"] = value
                sets.append("#c\(index) = :c\(index)")
            } else {
                removes.append("#c\(index)")
            }
        }
        let fromList = from.sorted { $0.rawValue < $1.rawValue }.enumerated().map { index, state in
            values[":from\(index)"] = .s(state.rawValue)
            return ":from\(index)"
        }
        var condition = "attribute_exists(lectureId) AND #state IN (\(fromList.joined(separator: ", ")))"
        if let extraCondition { condition += " AND (\(extraCondition))" }
        var update = "SET " + sets.joined(separator: ", ")
        if !removes.isEmpty { update += " REMOVE " + removes.joined(separator: ", ") }
        do {
            guard
                let item = try await dynamo.updateItem(
                    table: table,
                    key: key(id),
                    update: update,
                    condition: condition,
                    names: names,
                    values: values
                )
            else {
                throw Conflict(lectureID: id, current: nil)
            }
            return try dynamo.decoder.decode(LectureRecord.self, from: item)
        } catch let error as AWSError where error.isConditionFailed {
            throw Conflict(lectureID: id, current: try? await get(id))
        }
    }
}
