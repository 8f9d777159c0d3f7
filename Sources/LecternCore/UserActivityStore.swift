import AWS
import Foundation

/// What one user did in one course, kept on the server so it follows them between devices: their visits (for
/// "new since your last visit") and how far they watched each lecture (for "watched" and "partly watched").
public struct CourseActivity: Sendable, Equatable {
    public struct Progress: Sendable, Equatable {
        /// Seconds into the lecture where the user last was.
        public var position: Double
        public var duration: Double
        /// Once watched to the end (see `UserActivityStore.completes`), it stays watched when rewatched from the start.
        public var completed: Bool
        public var updatedAt: Date
    }

    /// When the current visit started, and the last page load of the visit before it: lectures that became visible
    /// after `previousVisitAt` are new to this user (anything published before their last page load they could
    /// have seen then). Nil before the first visit / before the second.
    public var lastVisitAt: Date?
    public var previousVisitAt: Date?
    /// The latest page load of the current visit: the gap to the next load decides whether that load starts a new one.
    public var lastSeenAt: Date?
    /// Lecture id → progress.
    public var lectures: [String: Progress]

    public static let empty = CourseActivity(lastVisitAt: nil, previousVisitAt: nil, lastSeenAt: nil, lectures: [:])
}

/// Per-user activity in the lectures table: one item per (course, user), keyed `activity#<course>#<user>`, so reading
/// a student's whole course page is one consistent `GetItem` and recording progress one `UpdateItem` without a read.
/// The item has no `courseId` (nor `outbox`) attribute, so the course index and the outbox index never see it: lecture
/// lists stay lectures. Progress is one top-level map attribute per lecture (`p_<lectureId>`), because DynamoDB cannot
/// set a nested map entry in a map that does not exist yet in the same expression; a course of a few hundred lectures
/// stays far below the 400 KB item limit (~100 bytes each).
public struct UserActivityStore: Sendable {
    public let dynamo: DynamoDBClient
    public let table: String

    /// Page loads closer together than this belong to one visit: a reload or a trip to a watch page and back must not
    /// use up the "new" markers the visit began with.
    public static let defaultVisitGap: TimeInterval = 30 * 60
    public let visitGap: TimeInterval
    /// Watched means at least this fraction seen. No "last 30 s" rule beside it: for lectures over 5 minutes 10 % is
    /// already more than 30 s, and for shorter ones such a rule marked a 30 s clip watched the moment it started.
    public static let completedFraction = 0.9

    public init(dynamo: DynamoDBClient, table: String, visitGap: TimeInterval = Self.defaultVisitGap) {
        self.dynamo = dynamo
        self.table = table
        self.visitGap = visitGap
    }

    public init(store: LectureStore, visitGap: TimeInterval = Self.defaultVisitGap) {
        self.init(dynamo: store.dynamo, table: store.table, visitGap: visitGap)
    }

    static func key(course: String, user: String) -> DynamoDBItem {
        ["lectureId": .s("activity#\(course)#\(user)")]
    }

    static func progressAttribute(_ lectureID: String) -> String { "p_" + lectureID }

    public static func completes(position: Double, duration: Double) -> Bool {
        duration > 0 && position >= duration * completedFraction
    }

    /// The user's activity in the course; `.empty` before anything was recorded.
    public func activity(course: String, user: String) async throws -> CourseActivity {
        guard
            let item = try await dynamo.getItem(
                table: table,
                key: Self.key(course: course, user: user),
                consistentRead: true
            )
        else {
            return .empty
        }
        var lectures: [String: CourseActivity.Progress] = [:]
        for (name, value) in item where name.hasPrefix("p_") {
            guard case .m(let fields) = value, let position = fields["position"]?.double,
                let duration = fields["duration"]?.double,
                let updated = fields["updatedAt"]?.double
            else { continue }
            let completed: Bool
            if case .bool(let flag)? = fields["completed"] { completed = flag } else { completed = false }
            lectures[String(name.dropFirst(2))] = .init(
                position: position,
                duration: duration,
                completed: completed || item["c_" + name.dropFirst(2)] != nil,
                updatedAt: Date(timeIntervalSince1970: updated)
            )
        }
        return CourseActivity(
            lastVisitAt: item["lastVisitAt"]?.double.map(Date.init(timeIntervalSince1970:)),
            previousVisitAt: item["previousVisitAt"]?.double.map(Date.init(timeIntervalSince1970:)),
            lastSeenAt: item["lastSeenAt"]?.double.map(Date.init(timeIntervalSince1970:)),
            lectures: lectures
        )
    }

    /// Records a page load in the course. A load more than `visitGap` after the previous load starts a new visit (the
    /// last load of the visit before becomes `previousVisitAt`); a closer one only extends the current visit, however
    /// long it has lasted. Answers the activity as it is after the write. Two loads racing: the conditional write lets
    /// one win and the other re-reads.
    @discardableResult
    public func recordVisit(course: String, user: String, now: Date = Date()) async throws -> CourseActivity {
        for _ in 0..<3 {
            let current = try await activity(course: course, user: user)
            // Measured from the last page load, not the visit's start: a student who keeps browsing for an hour is
            // still on one visit, and lectures that appeared while they were here are not "new" next time.
            let lastLoad = current.lastSeenAt ?? current.lastVisitAt
            let newVisit = lastLoad.map { now.timeIntervalSince($0) > visitGap } ?? true
            var values: DynamoDBItem = [
                ":now": .n(Self.number(now.timeIntervalSince1970)), ":user": .s(user), ":course": .s(course),
            ]
            var update = "SET lastSeenAt = :now, userId = :user, activityCourse = :course"
            let condition: String
            if let last = current.lastVisitAt {
                values[":last"] = .n(Self.number(last.timeIntervalSince1970))
                condition = "lastVisitAt = :last"
                if newVisit {
                    values[":previous"] = .n(Self.number((lastLoad ?? last).timeIntervalSince1970))
                    update += ", previousVisitAt = :previous, lastVisitAt = :now"
                }
            } else {
                condition = "attribute_not_exists(lastVisitAt)"
                update += ", lastVisitAt = :now"
            }
            do {
                try await dynamo.updateItem(
                    table: table,
                    key: Self.key(course: course, user: user),
                    update: update,
                    condition: condition,
                    values: values,
                    returnValues: .none
                )
            } catch let error as AWSError where error.isConditionFailed {
                continue
            }
            var after = current
            after.lastSeenAt = now
            if newVisit {
                after.previousVisitAt = current.lastVisitAt == nil ? nil : lastLoad
                after.lastVisitAt = now
            }
            return after
        }
        return try await activity(course: course, user: user)
    }

    /// Records where the user is in a lecture. Once a lecture counts as watched it stays so (a separate flag that only
    /// ever gets set), so rewatching the start does not take the marker away.
    public func recordProgress(
        course: String,
        user: String,
        lectureID: String,
        position: Double,
        duration: Double,
        now: Date = Date()
    ) async throws {
        let completed = Self.completes(position: position, duration: duration)
        var names = ["#p": Self.progressAttribute(lectureID)]
        var values: DynamoDBItem = [
            ":p": .m([
                "position": .n(Self.number(position)), "duration": .n(Self.number(duration)),
                "completed": .bool(completed), "updatedAt": .n(Self.number(now.timeIntervalSince1970)),
            ]),
            ":user": .s(user), ":course": .s(course),
        ]
        var update = "SET #p = :p, userId = :user, activityCourse = :course"
        if completed {
            names["#c"] = "c_" + lectureID
            values[":true"] = .bool(true)
            update += ", #c = :true"
        }
        try await dynamo.updateItem(
            table: table,
            key: Self.key(course: course, user: user),
            update: update,
            names: names,
            values: values,
            returnValues: .none,
            idempotent: true
        )
    }

    /// DynamoDB numbers as text: milliseconds are enough for positions and times.
    static func number(_ value: Double) -> String {
        String(format: "%.3f", value)
    }
}

extension AttributeValue {
    var double: Double? {
        if case .n(let text) = self { return Double(text) }
        return nil
    }
}
