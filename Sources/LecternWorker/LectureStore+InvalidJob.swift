import AWS
import Foundation
import LecternCore

extension LectureStore {
    /// Marks a lecture failed because its job message was unusable, but only when nobody could be working on it
    /// (see `failUnattended`): an invalid stray message must not undo published work.
    /// - Throws: `LectureStore.Conflict` (with the record as it is, or none) when those conditions do not hold.
    @discardableResult
    func failInvalidJob(
        _ id: String,
        version: String?,
        reason: String,
        now: Date = Date()
    ) async throws -> LectureRecord {
        // The professor is told to upload again: a retry would run the same damaged request.
        try await failUnattended(id, version: version, reason: reason, retryable: false, now: now)
    }
}
