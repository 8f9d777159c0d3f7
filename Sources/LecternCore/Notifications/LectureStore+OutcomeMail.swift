import AWS
import Foundation

/// The two writes around an outcome e-mail. The claim is conditional on the lecture still being in that outcome on
/// that job version and on no mail having been claimed for it, so exactly one of any number of racing callers wins.
extension LectureStore {
    /// Records that the mail about `outcome` of `version` is being sent. Applies only while the lecture is in
    /// `outcome`'s state on `version` and holds no mail record for that outcome and version.
    /// - Throws: `Conflict` when it does not apply (someone claimed it already, or the lecture moved on).
    @discardableResult
    public func claimOutcomeMail(
        _ id: String,
        outcome: LectureOutcome,
        version: String,
        now: Date = Date()
    ) async throws -> LectureRecord {
        let mail = OutcomeMail(outcome: outcome, version: version, state: .sending, updatedAt: now)
        return try await writeOutcomeMail(
            id,
            mail,
            condition: "#state = :lectureState AND jobVersion = :version AND (attribute_not_exists(#mail) "
                + "OR #mail.#version <> :version OR #mail.#outcome <> :outcome)",
            names: ["#state": "state"],
            values: [
                ":lectureState": .s(outcome == .ready ? LectureState.ready.rawValue : LectureState.failed.rawValue)
            ]
        )
    }

    /// Records how the claimed send ended (`sent` or `notSent`). Applies only to the claim of the same outcome and
    /// version that is still `sending`.
    @discardableResult
    public func finishOutcomeMail(_ id: String, _ mail: OutcomeMail) async throws -> LectureRecord {
        try await writeOutcomeMail(
            id,
            mail,
            condition: "#mail.#version = :version AND #mail.#outcome = :outcome AND #mail.#mailState = :sending",
            names: ["#mailState": "state"],
            values: [":sending": .s(OutcomeMail.State.sending.rawValue)]
        )
    }

    private func writeOutcomeMail(
        _ id: String,
        _ mail: OutcomeMail,
        condition: String,
        names extraNames: [String: String],
        values extra: DynamoDBItem
    ) async throws -> LectureRecord {
        var values = extra
        values[":mail"] = try dynamo.encoder.encodeValue(mail)
        values[":version"] = .s(mail.version)
        values[":outcome"] = .s(mail.outcome.rawValue)
        let names = extraNames.merging(["#mail": "outcomeMail", "#version": "version", "#outcome": "outcome"]) {
            own,
            _ in own
        }
        return try await conditionalUpdate(
            id,
            update: "SET #mail = :mail",
            condition: "attribute_exists(lectureId) AND " + condition,
            names: names,
            values: values
        )
    }
}
