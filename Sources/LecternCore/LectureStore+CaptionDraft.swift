import AWS
import Foundation

/// The automatic caption draft's writes. Each is conditional on the lecture still holding the draft's job version,
/// so a draft of an encode that was retried or re-encoded since can never overwrite the newer one's.
extension LectureStore {
    /// Records a `pending` draft for the version just published. Applies only while the lecture is `ready` on that
    /// version and has no draft for it yet (a duplicate delivery of the publish asks once).
    /// - Throws: `Conflict` when it does not apply.
    @discardableResult
    public func beginCaptionDraft(
        _ id: String,
        version: String,
        deadline: Date,
        now: Date = Date()
    ) async throws -> LectureRecord {
        let draft = CaptionDraft(
            state: .pending,
            version: version,
            detail: CaptionDraftWords.pending,
            deadline: deadline,
            updatedAt: now
        )
        return try await writeCaptionDraft(
            id,
            draft,
            condition: "#state = :ready AND jobVersion = :version AND publishedVersion = :version "
                + "AND (attribute_not_exists(#draft) OR #draft.#version <> :version)",
            values: [":ready": .s(LectureState.ready.rawValue)]
        )
    }

    /// Replaces the draft of `draft.version` with `draft`, if the stored one is of that version and in one of `from`
    /// (so a late duplicate poll cannot take a finished draft back to running).
    /// - Throws: `Conflict` when it does not apply.
    @discardableResult
    public func updateCaptionDraft(
        _ id: String,
        to draft: CaptionDraft,
        from: Set<CaptionDraftState>
    ) async throws -> LectureRecord {
        var values: DynamoDBItem = [:]
        let fromList = from.map(\.rawValue).sorted().enumerated().map { index, state in
            values[":from\(index)"] = .s(state)
            return ":from\(index)"
        }
        return try await writeCaptionDraft(
            id,
            draft,
            condition:
                """
                jobVersion = :version AND #draft.#version = :version AND #draft.#state IN \
                (\(fromList.joined(separator: ", ")))
                """,
            values: values
        )
    }

    private func writeCaptionDraft(
        _ id: String,
        _ draft: CaptionDraft,
        condition: String,
        values extra: DynamoDBItem
    ) async throws -> LectureRecord {
        var values = extra
        values[":draft"] = try dynamo.encoder.encodeValue(draft)
        values[":version"] = .s(draft.version)
        let names = ["#draft": "captionDraft", "#version": "version", "#state": "state"]
        do {
            guard
                let item = try await dynamo.updateItem(
                    table: table,
                    key: ["lectureId": .s(id)],
                    update: "SET #draft = :draft",
                    condition: "attribute_exists(lectureId) AND " + condition,
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
