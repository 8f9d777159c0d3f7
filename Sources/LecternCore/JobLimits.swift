import Foundation

/// How often a lecture's encode may start, and the queue's receive limit that backs it up: one place computes both,
/// so the worker (`LECTERN_MAX_ATTEMPTS`), `lectern dev bootstrap` and the CloudFormation template (through
/// `lectern deploy parameters`) cannot drift apart.
///
/// The lecture's `attempts` (counted by the worker's claim, in DynamoDB) is the real limit: it counts encodes that
/// actually started. SQS's `ApproximateReceiveCount` also counts deliveries that did no work — a duplicate hidden
/// until a dead worker's lease lapses, a message handed to a poll that shutdown cancelled, a claim that raced the
/// API — so a redrive policy set to the attempt limit failed lectures that were interrupted fewer times than that
/// (the chaos run of issue #13). The queue's `maxReceiveCount` is therefore only a backstop, set well above what
/// the attempt limit plus such idle receives reach; whatever it moves to the DLQ anyway is marked failed on the
/// lecture by `DeadLetterSweep`.
public struct JobLimits: Sendable, Equatable {
    /// Encodes that may start for one enqueue (a Retry starts a new count).
    public static let defaultEncodeAttempts = 3

    public var encodeAttempts: Int

    public init(encodeAttempts: Int = JobLimits.defaultEncodeAttempts) {
        self.encodeAttempts = max(1, encodeAttempts)
    }

    public static let `default` = JobLimits()

    /// The most video chunks one lecture is split into (issue #15): a plan's parts live in the lecture's DynamoDB
    /// item (about 150 bytes each, far below the 400 KB item limit) and the stitch reads a few small objects per
    /// chunk and rung, so 64 × 4 rungs is ~1 000 GETs; and 64 chunks keep 64 workers busy, more than a
    /// university's fleet scales to for one lecture.
    public static let maxSplitChunks = 64

    /// Receives before SQS moves a job to the DLQ: three per attempt (the attempt's own delivery, one duplicate
    /// hidden until the lease lapses, one lost to a cancelled poll) plus one, so the attempt limit always speaks first.
    public var queueMaxReceiveCount: Int { encodeAttempts * 3 + 1 }

    /// What a professor reads when the attempts ran out.
    public static func exhaustedReason(attempts: Int) -> String {
        """
        Encoding was interrupted \(attempts) \(attempts == 1 ? "time" : "times") \
        before it could finish. Select Retry to try again.
        """
    }
}

extension LectureRecord {
    /// True when the encode of `version` used up its attempts and nobody holds it: the record is `queued`, or
    /// `processing` with a lapsed lease. Such a lecture must be failed with a reason, never left `processing`.
    public func hasExhaustedAttempts(of version: String, limit: Int, now: Date = Date()) -> Bool {
        guard jobVersion == version, attempts >= limit else { return false }
        switch state {
        case .queued: return true
        case .processing: return (leaseExpiresAt ?? .distantPast) < now
        case .awaitingUpload, .ready, .failed: return false
        }
    }
}
