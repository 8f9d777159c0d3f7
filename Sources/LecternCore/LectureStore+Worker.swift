import AWS
import Foundation

/// The worker's side of a lecture's life: claim, heartbeat, publish, fail, release. Every write is conditional on
/// the job version (a stale message can never touch a newer encode) and, after the claim, on the worker id (a
/// worker whose lease lapsed and was taken over cannot overwrite its successor).
extension LectureStore {
    /// The `outbox` index's value for a record a worker holds: claim and heartbeat keep `outboxSince` equal to the
    /// lease's end, and every write that ends the lease removes both. So `JobOutbox.requeueAbandoned` finds lectures
    /// whose worker vanished by querying that sparse index, never by scanning the table.
    public static let leaseMarker = "lease"

    /// The `outbox` index's value for a `queued` record whose job message SQS accepted (`outboxSince` = when).
    /// Kept so that `JobOutbox.resendQueued` can find a lecture still queued long after its message should have been
    /// delivered (the message purged, expired, lost) without scanning the table. Distinct from the enqueue outbox's
    /// pending marker, whose one-minute re-send must not fire for it. Every write that leaves `queued` overwrites or
    /// removes it (claim, fail, failUnattended, delete).
    public static let sentMarker = "queued"

    /// Claims the encode of `version`: queued → processing, or processing whose lease has expired → processing.
    /// Counts the attempt, records the worker and its lease, and clears an earlier failure reason. A lecture that
    /// already used `attemptLimit` attempts is not claimed (see `JobLimits`; `isExhausted` tells that conflict apart).
    /// - Throws: `Conflict` (with the record as it is) when the lecture is not claimable by this worker.
    @discardableResult
    public func claim(
        _ id: String,
        version: String,
        workerID: String,
        leaseSeconds: Double,
        attemptLimit: Int = JobLimits.defaultEncodeAttempts,
        now: Date = Date()
    ) async throws -> LectureRecord {
        let names = [
            "#state": "state", "#attempts": "attempts", "#worker": "workerId", "#lease": "leaseExpiresAt",
            "#updated": "updatedAt", "#version": "jobVersion", "#percent": "progressPercent",
            "#stage": "progressStage", "#reason": "failureReason", "#sweep": "outbox", "#since": "outboxSince",
            "#started": "encodeStartedAt",
        ]
        let values: DynamoDBItem = [
            ":processing": .s(LectureState.processing.rawValue), ":queued": .s(LectureState.queued.rawValue),
            ":zero": .n("0"), ":one": .n("1"), ":me": .s(workerID), ":version": .s(version),
            ":now": try dynamo.encoder.encodeValue(now),
            ":lease": try dynamo.encoder.encodeValue(now.addingTimeInterval(leaseSeconds)),
            ":stage": .s("claimed"), ":limit": .n(String(attemptLimit)), ":leased": .s(Self.leaseMarker),
        ]
        let update =
            "SET #state = :processing, #attempts = if_not_exists(#attempts, :zero) + :one, #worker = :me, "
            + "#lease = :lease, #updated = :now, #percent = :zero, #stage = :stage, #sweep = :leased, #since = :lease, "
            + "#started = :now REMOVE #reason"
        let condition =
            "attribute_exists(lectureId) AND #version = :version AND (#state = :queued OR "
            + "(#state = :processing AND (attribute_not_exists(#lease) OR #lease < :now))) "
            + "AND (attribute_not_exists(#attempts) OR #attempts < :limit)"
        return try await conditionalUpdate(id, update: update, condition: condition, names: names, values: values)
    }

    /// Extends this worker's lease and records progress; answers the record. Throws `Conflict` once another
    /// worker has taken the job over (or it left processing), which tells the caller to stop.
    @discardableResult
    public func heartbeat(
        _ id: String,
        workerID: String,
        leaseSeconds: Double,
        percent: Double?,
        stage: String?,
        now: Date = Date()
    ) async throws -> LectureRecord {
        var names = [
            "#state": "state", "#worker": "workerId", "#lease": "leaseExpiresAt", "#updated": "updatedAt",
            "#sweep": "outbox", "#since": "outboxSince",
        ]
        var values: DynamoDBItem = [
            ":processing": .s(LectureState.processing.rawValue), ":me": .s(workerID), ":leased": .s(Self.leaseMarker),
            ":now": try dynamo.encoder.encodeValue(now),
            ":lease": try dynamo.encoder.encodeValue(now.addingTimeInterval(leaseSeconds)),
        ]
        var sets = ["#lease = :lease", "#updated = :now", "#sweep = :leased", "#since = :lease"]
        if let percent {
            names["#percent"] = "progressPercent"
            values[":percent"] = try dynamo.encoder.encodeValue(percent)
            sets.append("#percent = :percent")
        }
        if let stage {
            names["#stage"] = "progressStage"
            values[":stage"] = .s(stage)
            sets.append("#stage = :stage")
        }
        return try await conditionalUpdate(
            id,
            update: "SET " + sets.joined(separator: ", "),
            condition: "#state = :processing AND #worker = :me",
            names: names,
            values: values
        )
    }

    /// processing → ready for the version this worker encoded: the one write that makes the new outputs visible.
    @discardableResult
    public func publish(
        _ id: String,
        version: String,
        prefix: String,
        durationSeconds: Double,
        workerID: String,
        now: Date = Date()
    ) async throws -> LectureRecord {
        try await transition(
            id,
            from: [.processing],
            to: .ready,
            changes: [
                "publishedVersion": .s(version), "publishedPrefix": .s(prefix),
                "durationSeconds": try dynamo.encoder.encodeValue(durationSeconds),
                "progressPercent": .n("100"), "progressStage": .s("done"),
                "leaseExpiresAt": nil, "failureReason": nil, "outbox": nil, "outboxSince": nil,
            ],
            extraCondition: "workerId = :me AND jobVersion = :version",
            extraValues: [":me": .s(workerID), ":version": .s(version)],
            now: now
        )
    }

    /// processing → failed with a reason a professor can read. When `workerID` is nil (a message rejected before
    /// any claim), queued records of that version may fail too.
    @discardableResult
    public func fail(
        _ id: String,
        version: String,
        reason: String,
        workerID: String?,
        retryable: Bool = true,
        now: Date = Date()
    ) async throws -> LectureRecord {
        var extra = "jobVersion = :version"
        var values: DynamoDBItem = [":version": .s(version)]
        if let workerID {
            extra += " AND workerId = :me"
            values[":me"] = .s(workerID)
        }
        return try await transition(
            id,
            from: workerID == nil ? [.queued, .processing] : [.processing],
            to: .failed,
            changes: Self.failingChanges(reason: reason, retryable: retryable),
            extraCondition: extra,
            extraValues: values,
            now: now
        )
    }

    /// Fails the encode of `version` when nobody can be working on it: the record is `queued`, or `processing`
    /// with a lapsed lease (its worker is gone). A `ready` lecture, one already failed, or one holding a newer job
    /// version is never touched, so a stale message (a retried lecture's old DLQ copy, an ops redrive) cannot undo
    /// newer work. Safe to race: of several sweepers and workers, one write applies and the rest get `Conflict`.
    @discardableResult
    public func failUnattended(
        _ id: String,
        version: String?,
        reason: String,
        retryable: Bool = true,
        now: Date = Date()
    ) async throws -> LectureRecord {
        var condition = "(#state = :queuedState OR attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :leaseNow)"
        var values: DynamoDBItem = [
            ":queuedState": .s(LectureState.queued.rawValue), ":leaseNow": try dynamo.encoder.encodeValue(now),
        ]
        if let version {
            condition += " AND jobVersion = :version"
            values[":version"] = .s(version)
        }
        return try await transition(
            id,
            from: [.queued, .processing],
            to: .failed,
            changes: Self.failingChanges(reason: reason, retryable: retryable),
            extraCondition: condition,
            extraValues: values,
            now: now
        )
    }

    /// What failing a lecture writes; `failureRetryable` only when false (absent reads as retryable).
    static func failingChanges(reason: String, retryable: Bool) -> [String: AttributeValue?] {
        var changes: [String: AttributeValue?] = [
            "failureReason": .s(reason), "leaseExpiresAt": nil, "progressStage": .s("failed"),
            "outbox": nil, "outboxSince": nil,
        ]
        if !retryable { changes["failureRetryable"] = .some(.bool(false)) }
        return changes
    }

    /// processing → queued by this worker (shutdown, or a transient failure to be retried): the job's next
    /// delivery can be claimed at once instead of waiting for the lease to lapse.
    @discardableResult
    public func release(_ id: String, workerID: String, stage: String, now: Date = Date()) async throws -> LectureRecord
    {
        // The job's message still exists (the worker only shortened its visibility), so the record gets the sent
        // marker from now: should that message be lost after all, the queued re-send finds the lecture.
        try await transition(
            id,
            from: [.processing],
            to: .queued,
            changes: [
                "workerId": nil, "leaseExpiresAt": nil, "progressStage": .s(stage),
                "outbox": .s(Self.sentMarker), "outboxSince": try dynamo.encoder.encodeValue(now),
            ],
            extraCondition: "workerId = :me",
            extraValues: [":me": .s(workerID)],
            now: now
        )
    }

    func conditionalUpdate(
        _ id: String,
        update: String,
        condition: String,
        names: [String: String],
        values: DynamoDBItem
    ) async throws -> LectureRecord {
        do {
            guard
                let item = try await dynamo.updateItem(
                    table: table,
                    key: ["lectureId": .s(id)],
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
