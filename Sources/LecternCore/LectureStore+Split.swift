import AWS
import Foundation

/// The worker's side of a split encode (issue #15): planning the parts, claiming, heart-beating and completing
/// one part, and claiming the stitch. Every write is one conditional update of the lecture's item: the lecture must
/// still be `processing` the same job version with a plan for it, and a part's writes after its claim are
/// conditional on the part's lease holder, exactly as a whole job's are on the lecture's.
///
/// The lecture's own lease (`leaseExpiresAt`, the `outbox` lease marker) is extended by every part's claim and
/// heartbeat while nobody holds the lecture itself (`workerId` absent between the plan and the stitch). So it lapses
/// only when no part has been worked on for a lease: then `JobOutbox.requeueAbandoned` puts the whole job back in
/// the queue, and its next claim resumes the plan (sends the parts not done again, or stitches a complete one).
extension LectureStore {
    /// Records the plan and hands the lecture over to its parts: the planner (holding the lecture's lease) writes
    /// `split`, removes itself as the lecture's worker and leaves a lease of `leaseSeconds` for the first part to
    /// be claimed. With `split` nil it resumes the plan already recorded for `version`.
    @discardableResult
    public func handOverToParts(
        _ id: String,
        version: String,
        workerID: String,
        split: LectureSplit?,
        leaseSeconds: Double,
        now: Date = Date()
    ) async throws -> LectureRecord {
        var names = [
            "#state": "state", "#worker": "workerId", "#version": "jobVersion", "#lease": "leaseExpiresAt",
            "#sweep": "outbox", "#since": "outboxSince", "#stage": "progressStage", "#updated": "updatedAt",
            "#split": "split", "#ov": "outputVersion",
        ]
        var values: DynamoDBItem = [
            ":processing": .s(LectureState.processing.rawValue), ":me": .s(workerID), ":version": .s(version),
            ":lease": try dynamo.encoder.encodeValue(now.addingTimeInterval(leaseSeconds)),
            ":leased": .s(Self.leaseMarker), ":stage": .s("encoding in parts"),
            ":now": try dynamo.encoder.encodeValue(now),
        ]
        var sets = ["#lease = :lease", "#sweep = :leased", "#since = :lease", "#stage = :stage", "#updated = :now"]
        var condition = "#state = :processing AND #worker = :me AND #version = :version"
        if let split {
            values[":split"] = try dynamo.encoder.encodeValue(split)
            sets.append("#split = :split")
            condition += " AND (attribute_not_exists(#split) OR #split.#ov <> :version)"
        } else {
            condition += " AND #split.#ov = :version"
        }
        names["#worker"] = "workerId"
        return try await prunedUpdate(
            id,
            update: "SET " + sets.joined(separator: ", ") + " REMOVE #worker",
            condition: condition,
            names: names,
            values: values
        )
    }

    /// Claims one part of the running plan for this worker: it must not be done, and its lease must be free,
    /// lapsed, or this worker's own (a redelivery to the same worker). Counts the part's attempt and extends the
    /// lecture's lease. A part that used `attemptLimit` attempts is not claimed.
    /// - Throws: `Conflict` with the record as it is; `partConflict` says why.
    @discardableResult
    public func claimPart(
        _ id: String,
        version: String,
        part: SplitPart,
        workerID: String,
        leaseSeconds: Double,
        attemptLimit: Int = JobLimits.defaultEncodeAttempts,
        now: Date = Date()
    ) async throws -> LectureRecord {
        var expression = try PartExpression(part: part, workerID: workerID, version: version, store: self, now: now)
        expression.values[":partLease"] = try dynamo.encoder.encodeValue(
            LectureSplit.Lease(workerId: workerID, expiresAt: now.addingTimeInterval(leaseSeconds))
        )
        expression.values[":limit"] = .n(String(attemptLimit))
        expression.values[":one"] = .n("1")
        expression.values[":false"] = .bool(false)
        expression.values[":lectureLease"] = try dynamo.encoder.encodeValue(now.addingTimeInterval(leaseSeconds))
        let part = expression.path
        let condition =
            expression.guardCondition + " AND \(part).#done = :false AND \(part).#attempts < :limit AND "
            + "(attribute_not_exists(\(part).#plLease) OR \(part).#plLease.#exp < :now "
            + "OR \(part).#plLease.#holder = :me)"
        let update =
            "SET \(part).#plLease = :partLease, \(part).#attempts = \(part).#attempts + :one, "
            + expression.lectureLeaseSets
        return try await prunedUpdate(
            id,
            update: update,
            condition: condition,
            names: expression.names,
            values: expression.values
        )
    }

    /// Extends this worker's lease on `part` and the lecture's. Throws `Conflict` once the part is no longer this
    /// worker's (another took it over after a lapse) or the lecture left the plan (failed, retried, deleted).
    @discardableResult
    public func heartbeatPart(
        _ id: String,
        version: String,
        part: SplitPart,
        workerID: String,
        leaseSeconds: Double,
        now: Date = Date()
    ) async throws -> LectureRecord {
        var expression = try PartExpression(part: part, workerID: workerID, version: version, store: self, now: now)
        expression.values[":expires"] = try dynamo.encoder.encodeValue(now.addingTimeInterval(leaseSeconds))
        expression.values[":lectureLease"] = expression.values[":expires"]
        let part = expression.path
        return try await prunedUpdate(
            id,
            update: "SET \(part).#plLease.#exp = :expires, " + expression.lectureLeaseSets,
            condition: expression.guardCondition + " AND \(part).#plLease.#holder = :me",
            names: expression.names,
            values: expression.values
        )
    }

    /// Marks `part` done (its outputs are uploaded) and answers the record as written. Each completion flips one
    /// part from not done to done under its holder's lease, so of the parts finishing around the same time exactly
    /// one write answers a complete plan — the last one; that worker stitches (`claimStitch`). A part done already
    /// (a duplicate run) fails the condition instead.
    @discardableResult
    public func completePart(
        _ id: String,
        version: String,
        part: SplitPart,
        workerID: String,
        now: Date = Date()
    ) async throws -> LectureRecord {
        var expression = try PartExpression(part: part, workerID: workerID, version: version, store: self, now: now)
        expression.values[":false"] = .bool(false)
        expression.values[":true"] = .bool(true)
        let part = expression.path
        return try await prunedUpdate(
            id,
            update: "SET \(part).#done = :true, #updated = :now REMOVE \(part).#plLease",
            condition: expression.guardCondition + " AND \(part).#plLease.#holder = :me AND \(part).#done = :false",
            names: expression.names,
            values: expression.values
        )
    }

    /// Gives `part` back (a transient failure, shutdown): its next delivery can be claimed at once.
    @discardableResult
    public func releasePart(
        _ id: String,
        version: String,
        part: SplitPart,
        workerID: String,
        now: Date = Date()
    ) async throws -> LectureRecord {
        let expression = try PartExpression(part: part, workerID: workerID, version: version, store: self, now: now)
        let part = expression.path
        return try await prunedUpdate(
            id,
            update: "SET #updated = :now REMOVE \(part).#plLease",
            condition: expression.guardCondition + " AND \(part).#plLease.#holder = :me",
            names: expression.names,
            values: expression.values
        )
    }

    /// Records progress while parts run: the share of parts done, never lowered (two completions may write in
    /// either order). Best effort for the caller.
    public func recordPartsProgress(_ id: String, version: String, percent: Double, now: Date = Date()) async throws {
        _ = try await conditionalUpdate(
            id,
            update: "SET #percent = :percent",
            condition: "#state = :processing AND #version = :version AND "
                + "(attribute_not_exists(#percent) OR #percent < :percent)",
            names: ["#state": "state", "#version": "jobVersion", "#percent": "progressPercent"],
            values: [
                ":processing": .s(LectureState.processing.rawValue), ":version": .s(version),
                ":percent": try dynamo.encoder.encodeValue(percent),
            ]
        )
    }

    /// Takes the lecture's lease for the stitch: the plan is for `version` and nobody holds the lecture (the
    /// parts ran without a lecture holder), or its holder's lease lapsed (a stitcher died), or it is this worker.
    /// From here the whole-job writes apply: `heartbeat`, `publish`, `fail`.
    @discardableResult
    public func claimStitch(
        _ id: String,
        version: String,
        workerID: String,
        leaseSeconds: Double,
        now: Date = Date()
    ) async throws -> LectureRecord {
        let expression = try PartExpression(part: .audio, workerID: workerID, version: version, store: self, now: now)
        var values = expression.values
        values[":lease"] = try dynamo.encoder.encodeValue(now.addingTimeInterval(leaseSeconds))
        values[":leased"] = .s(Self.leaseMarker)
        values[":stage"] = .s("stitching")
        var names = expression.names
        names["#worker"] = "workerId"
        names["#lease"] = "leaseExpiresAt"
        names["#sweep"] = "outbox"
        names["#since"] = "outboxSince"
        names["#stage"] = "progressStage"
        return try await prunedUpdate(
            id,
            update: "SET #worker = :me, #lease = :lease, #sweep = :leased, #since = :lease, #stage = :stage, "
                + "#updated = :now",
            condition: expression.guardCondition
                + " AND (attribute_not_exists(#worker) OR #worker = :me OR #lease < :now)",
            names: names,
            values: values
        )
    }
}

extension LectureStore {
    /// Gives the stitch back (a transient failure while stitching, shutdown): the lecture stays `processing` with
    /// its complete plan and no holder, its lease lapsed now, so the next delivery of any of its parts' messages
    /// claims the stitch at once (`claimStitch`). Unlike `release`, it does not put the lecture back in the queue:
    /// the whole job's message is long gone.
    @discardableResult
    public func releaseStitch(
        _ id: String,
        version: String,
        workerID: String,
        now: Date = Date()
    ) async throws
        -> LectureRecord
    {
        try await conditionalUpdate(
            id,
            update: "SET #lease = :now, #since = :now, #stage = :stage, #updated = :now REMOVE #worker",
            condition: "#state = :processing AND #version = :version AND #worker = :me",
            names: [
                "#state": "state", "#version": "jobVersion", "#worker": "workerId", "#lease": "leaseExpiresAt",
                "#since": "outboxSince", "#stage": "progressStage", "#updated": "updatedAt",
            ],
            values: [
                ":processing": .s(LectureState.processing.rawValue), ":version": .s(version), ":me": .s(workerID),
                ":now": try dynamo.encoder.encodeValue(now), ":stage": .s("stitching again"),
            ]
        )
    }
}

extension LectureStore {
    /// `conditionalUpdate` with only the names and values the two expressions use: DynamoDB rejects a request
    /// that declares one it does not use, and the part writes share one table of them.
    fileprivate func prunedUpdate(
        _ id: String,
        update: String,
        condition: String,
        names: [String: String],
        values: DynamoDBItem
    ) async throws -> LectureRecord {
        let text = update + " " + condition
        func used(_ token: String) -> Bool {
            var searchRange = text.startIndex..<text.endIndex
            while let found = text.range(of: token, range: searchRange) {
                let next = found.upperBound
                if next == text.endIndex || !(text[next].isLetter || text[next].isNumber || text[next] == "_") {
                    return true
                }
                searchRange = next..<text.endIndex
            }
            return false
        }
        return try await conditionalUpdate(
            id,
            update: update,
            condition: condition,
            names: names.filter { used($0.key) },
            values: values.filter { used($0.key) }
        )
    }
}

/// The names and values every part write shares, and the document path of the part's entry.
private struct PartExpression {
    var names: [String: String] = [
        "#state": "state", "#version": "jobVersion", "#split": "split", "#ov": "outputVersion",
        "#chunks": "chunks", "#audio": "audio", "#done": "done", "#plLease": "lease", "#holder": "workerId",
        "#exp": "expiresAt", "#attempts": "attempts", "#updated": "updatedAt", "#lectureLease": "leaseExpiresAt",
        "#sweep": "outbox", "#since": "outboxSince",
    ]
    var values: DynamoDBItem
    let path: String

    init(part: SplitPart, workerID: String, version: String, store: LectureStore, now: Date) throws {
        values = [
            ":processing": .s(LectureState.processing.rawValue), ":version": .s(version), ":me": .s(workerID),
            ":now": try store.dynamo.encoder.encodeValue(now), ":leased": .s(LectureStore.leaseMarker),
        ]
        switch part {
        case .video(let index): path = "#split.#chunks[\(index)]"
        case .audio: path = "#split.#audio"
        }
    }

    /// The lecture still runs this plan.
    var guardCondition: String { "#state = :processing AND #version = :version AND #split.#ov = :version" }

    /// Sets the lecture's lease (and its `outbox` lease marker) to `:lectureLease`.
    var lectureLeaseSets: String {
        "#lectureLease = :lectureLease, #sweep = :leased, #since = :lectureLease, #updated = :now"
    }
}
