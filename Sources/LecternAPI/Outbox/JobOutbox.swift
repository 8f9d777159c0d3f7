import AWS
import Foundation
import LecternCore
import Logging

/// The enqueue outbox: closes the gap between "the record says queued" and "SQS holds the job".
///
/// Completing an upload (or retrying) writes the queued transition together with a pending-send marker
/// (`outbox`, `outboxSince`), sends the job message, then turns it into the sent marker (which `resendQueued`
/// uses for a message lost after SQS accepted it; see `LectureStore.sentMarker`). A crash between the write and the
/// send leaves the marker behind; `sweep` finds such records through the sparse `outbox` index (only marked
/// records are in it, so the sweep reads a handful of keys, never the table) and sends their message again.
/// A sweep may send a job that was in fact sent (a crash after the send, two API tasks sweeping at once): the
/// worker's conditional claim on the job version turns a duplicate delivery into a no-op.
public struct JobOutbox: Sendable {
    let services: APIServices
    let logger: Logger

    static let pending = "enqueue"

    public init(services: APIServices, logger: Logger = Logger(label: "lectern-api.outbox")) {
        self.services = services
        self.logger = logger
    }

    var dynamo: DynamoDBClient { services.store.dynamo }
    var table: String { services.store.table }

    /// The marker's attributes, written in the same conditional update as the queued transition.
    func markerChanges(now: Date = Date()) throws -> [String: AttributeValue?] {
        ["outbox": .s(Self.pending), "outboxSince": try dynamo.encoder.encodeValue(now)]
    }

    /// Attribute changes that remove the marker (for transitions away from queued that also settle it).
    static let clearingChanges: [String: AttributeValue?] = ["outbox": nil, "outboxSince": nil]

    /// Sends the job message for `version`, then turns the pending marker into the sent marker
    /// (`LectureStore.sentMarker`, `outboxSince` = now) — only while the record still holds that job version and the
    /// pending marker, so a slow call never touches a newer enqueue's marker nor a worker's lease marker.
    func send(_ message: JobMessage, now: Date = Date()) async throws {
        try await services.sqs.sendMessage(services.queueURL, body: message.encoded())
        await markSent(message.lectureID, version: message.outputVersion, now: now)
    }

    /// Best effort: if this fails the pending marker stays and a later sweep sends a duplicate, which the worker
    /// ignores.
    func markSent(_ id: String, version: String, now: Date) async {
        do {
            _ = try await dynamo.updateItem(
                table: table,
                key: ["lectureId": .s(id)],
                update: "SET #outbox = :sent, #since = :now",
                // Only the enqueue marker of a still-queued record: a worker that claimed the job meanwhile wrote its
                // lease marker there, and a record that left queued must not re-enter the index.
                condition: "#outbox = :pending AND #version = :version AND #state = :queued",
                names: ["#outbox": "outbox", "#since": "outboxSince", "#version": "jobVersion", "#state": "state"],
                values: [
                    ":version": .s(version), ":pending": .s(Self.pending), ":sent": .s(LectureStore.sentMarker),
                    ":now": try dynamo.encoder.encodeValue(now), ":queued": .s(LectureState.queued.rawValue),
                ],
                returnValues: DynamoDBReturnValues.none
            )
        } catch let error as AWSError where error.isConditionFailed {
            // Already marked (another sweeper), claimed, re-enqueued with a newer version, or deleted: nothing to do.
        } catch {
            logger.warning(
                "could not mark the job sent; a sweep will send the job again",
                metadata: ["lecture": "\(id)", "error": "\(error)"]
            )
        }
    }

    /// Best effort: if this fails the marker stays and a later sweep sends a duplicate, which the worker ignores.
    func clearMarker(_ id: String, version: String) async {
        do {
            _ = try await dynamo.updateItem(
                table: table,
                key: ["lectureId": .s(id)],
                update: "REMOVE #outbox, #since",
                // Only the enqueue marker: a worker that claimed the job meanwhile wrote its lease marker there.
                condition: "#outbox = :pending AND #version = :version",
                names: ["#outbox": "outbox", "#since": "outboxSince", "#version": "jobVersion"],
                values: [":version": .s(version), ":pending": .s(Self.pending)],
                returnValues: DynamoDBReturnValues.none
            )
        } catch let error as AWSError where error.isConditionFailed {
            // Already cleared (another sweeper), re-enqueued with a newer version, or deleted: nothing to do.
        } catch {
            logger.warning(
                "could not clear the outbox marker; a sweep will send the job again",
                metadata: ["lecture": "\(id)", "error": "\(error)"]
            )
        }
    }

    public struct SweepResult: Sendable, Equatable {
        /// Job messages sent again.
        public var resent = 0
        /// Markers cleared without a send: the lecture had already left `queued`, so its message was delivered.
        public var settled = 0
        public var failed = 0
    }

    /// What a sweep needs of a marked record; read consistently, because the index is eventually consistent.
    struct MarkedRecord: Decodable {
        var lectureId: String
        var state: LectureState
        var sourceKey: String
        var jobVersion: String?
        var outbox: String?
        var outboxSince: Date?
        var leaseExpiresAt: Date?
    }

    /// Sends again every job whose marker is older than `age` (the normal path clears its marker within
    /// milliseconds of the transition, so `age` only has to exceed one SQS send with its retries).
    @discardableResult
    public func sweep(olderThan age: TimeInterval, now: Date = Date()) async throws -> SweepResult {
        let cutoff = now.addingTimeInterval(-age)
        return try await forEachMarked(Self.pending, before: cutoff, failure: "outbox sweep could not settle a lecture")
        { id, record, _, result in
            guard let since = record.outboxSince, since < cutoff, let version = record.jobVersion else { return }
            if record.state == .queued {
                logger.warning(
                    "job message may be lost; sending it again",
                    metadata: ["lecture": "\(id)", "version": "\(version)", "pendingSince": "\(since)"]
                )
                try await send(JobMessage(lectureID: id, sourceKey: record.sourceKey, outputVersion: version), now: now)
                result.resent += 1
            } else {
                await clearMarker(id, version: version)
                result.settled += 1
            }
        }
    }

    /// Runs `settle` for every record whose outbox marker is `marker` and older than `cutoff`, found on the sparse
    /// `outbox` index and read again consistently (the index is eventually consistent). An error settling one record
    /// is logged with `failure` and counted; the sweep goes on with the next.
    private func forEachMarked(
        _ marker: String,
        before cutoff: Date,
        failure: String,
        _ settle: (String, MarkedRecord, DynamoDBItem, inout SweepResult) async throws -> Void
    ) async throws -> SweepResult {
        let keys = try await dynamo.queryAll(
            DynamoDBQuery(
                table: table,
                index: LectureStore.outboxIndex,
                keyCondition: "#outbox = :marker AND #since < :cutoff",
                names: ["#outbox": "outbox", "#since": "outboxSince"],
                values: [":marker": .s(marker), ":cutoff": try dynamo.encoder.encodeValue(cutoff)]
            ),
            maxPages: 100
        )
        var result = SweepResult()
        for key in keys {
            guard case .s(let id)? = key["lectureId"] else { continue }
            do {
                guard
                    let item = try await dynamo.getItem(table: table, key: ["lectureId": .s(id)], consistentRead: true)
                else { continue }
                try await settle(id, try dynamo.decoder.decode(MarkedRecord.self, from: item), item, &result)
            } catch {
                result.failed += 1
                logger.error("\(failure)", metadata: ["lecture": "\(id)", "error": "\(error)"])
            }
        }
        return result
    }

    /// Puts back in the queue every lecture still `processing` whose lease lapsed more than `bound` ago: its worker
    /// is gone and its message did not bring another one (purged, expired, lost by any path), so without this it
    /// would stay `processing` for good. Found through the lease marker on the sparse `outbox` index
    /// (`LectureStore.leaseMarker`). The record goes back to `queued` with an enqueue marker in one conditional
    /// write on the lapsed lease — of several API tasks only one wins and sends — and the worker's claim still counts
    /// the attempt, so a lecture that used its attempts is failed with a reason on that delivery.
    @discardableResult
    public func requeueAbandoned(lapsedFor bound: TimeInterval, now: Date = Date()) async throws -> SweepResult {
        let cutoff = now.addingTimeInterval(-bound)
        let cutoffValue = try dynamo.encoder.encodeValue(cutoff)
        return try await forEachMarked(
            LectureStore.leaseMarker,
            before: cutoff,
            failure: "could not requeue an abandoned lecture"
        ) {
            id,
            record,
            _,
            result in
            guard record.state == .processing, let version = record.jobVersion, let lease = record.leaseExpiresAt,
                lease < cutoff
            else {
                return
            }
            var changes = try markerChanges(now: now)
            changes["workerId"] = .some(nil)
            changes["leaseExpiresAt"] = .some(nil)
            changes["progressStage"] = .s("requeued")
            do {
                try await services.store.transition(
                    id,
                    from: [.processing],
                    to: .queued,
                    changes: changes,
                    extraCondition: "jobVersion = :version AND leaseExpiresAt < :cutoff",
                    extraValues: [":version": .s(version), ":cutoff": cutoffValue],
                    now: now
                )
            } catch is LectureStore.Conflict {
                return  // A worker claimed it, or another sweeper requeued it first.
            }
            logger.warning(
                "lecture abandoned by its worker; queueing it again",
                metadata: ["lecture": "\(id)", "version": "\(version)", "leaseExpiredAt": "\(lease)"]
            )
            try await send(JobMessage(lectureID: id, sourceKey: record.sourceKey, outputVersion: version), now: now)
            result.resent += 1
        }
    }

    /// Sends again the job of every lecture still `queued` more than `bound` after SQS accepted its message: by then
    /// the message is gone (purged, past retention, lost) or buried in a backlog older than `bound`. Found through the
    /// sent marker on the sparse `outbox` index (`LectureStore.sentMarker`), never by a scan. One conditional write
    /// (still queued, same job version, same sent marker and time) turns the sent marker back into a pending one
    /// from `now`, so of several API tasks only one sends; the send then marks it sent again, and should the send
    /// fail the pending-marker sweep retries it. A duplicate (the message was only late) is absorbed by the worker's
    /// conditional claim; a backlog older than `bound` costs one duplicate per lecture per `bound`.
    @discardableResult
    public func resendQueued(after bound: TimeInterval, now: Date = Date()) async throws -> SweepResult {
        let cutoff = now.addingTimeInterval(-bound)
        return try await forEachMarked(
            LectureStore.sentMarker,
            before: cutoff,
            failure: "could not re-send a queued lecture's job"
        ) {
            id,
            record,
            item,
            result in
            guard record.state == .queued, record.outbox == LectureStore.sentMarker, let version = record.jobVersion,
                let since = record.outboxSince, since < cutoff, let sinceValue = item["outboxSince"]
            else { return }
            do {
                _ = try await dynamo.updateItem(
                    table: table,
                    key: ["lectureId": .s(id)],
                    update: "SET #outbox = :pending, #since = :now",
                    condition: "#state = :queued AND #version = :version AND #outbox = :sent AND #since = :old",
                    names: ["#outbox": "outbox", "#since": "outboxSince", "#version": "jobVersion", "#state": "state"],
                    values: [
                        ":pending": .s(Self.pending), ":now": try dynamo.encoder.encodeValue(now),
                        ":queued": .s(LectureState.queued.rawValue), ":version": .s(version),
                        ":sent": .s(LectureStore.sentMarker), ":old": sinceValue,
                    ],
                    returnValues: DynamoDBReturnValues.none
                )
            } catch let error as AWSError where error.isConditionFailed {
                return  // Claimed, failed, deleted, re-enqueued, or another sweeper is sending it.
            }
            logger.warning(
                "lecture still queued long after its job was sent; sending it again",
                metadata: ["lecture": "\(id)", "version": "\(version)", "sentAt": "\(since)"]
            )
            try await send(JobMessage(lectureID: id, sourceKey: record.sourceKey, outputVersion: version), now: now)
            result.resent += 1
        }
    }
}
