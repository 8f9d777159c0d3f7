import AWS
import Foundation
import LecternCore

extension LectureStore {
    /// Marks a lecture failed because its job message was unusable, but only when nobody could be working on it:
    /// the record must be `queued`, or `processing` with a lapsed lease (its worker is gone), and — when the
    /// message names one — for this very encode. A `ready` lecture (or one already failed, or awaiting its
    /// upload) is never touched: an invalid stray message must not undo published work.
    /// - Throws: `LectureStore.Conflict` (with the record as it is, or none) when those conditions do not hold.
    @discardableResult
    func failInvalidJob(_ id: String, version: String?, reason: String, now: Date = Date()) async throws -> LectureRecord {
        var condition = "(#state = :queuedState OR attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :now)"
        var values: DynamoDBItem = [":queuedState": .s(LectureState.queued.rawValue)]
        if let version {
            condition += " AND jobVersion = :version"
            values[":version"] = .s(version)
        }
        return try await transition(id, from: [.queued, .processing], to: .failed,
                                    changes: ["failureReason": .s(reason), "leaseExpiresAt": nil, "progressStage": .s("failed")],
                                    extraCondition: condition, extraValues: values, now: now)
    }
}
