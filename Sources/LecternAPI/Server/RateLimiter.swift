import Foundation
import Synchronization

/// Per-key token buckets: `perMinute` events a minute, with bursts up to that many. Keys are users (writes) or
/// client addresses (failed sign-ins).
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }
    private let capacity: Double
    private let refillPerSecond: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    /// The time buckets refill in; tests pass a clock they advance themselves (as `LectureRecordCache`'s), so a
    /// limit of two a minute holds however long a loaded machine takes between the requests.
    private let clock: @Sendable () -> ContinuousClock.Instant

    public init(perMinute: Int, clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        capacity = Double(perMinute)
        refillPerSecond = Double(perMinute) / 60
        self.clock = clock
    }

    /// nil when the event may go ahead (and it is counted); otherwise the whole seconds to wait.
    public func admit(_ key: String, now: ContinuousClock.Instant? = nil) -> Int? {
        withBucket(key, now: now ?? clock()) { bucket in
            guard bucket.tokens >= 1 else { return wait(for: bucket) }
            bucket.tokens -= 1
            return nil
        }
    }

    /// Like `admit`, but counts nothing: for limits on events only known afterwards (a sign-in that fails), so the
    /// check comes first and `charge` follows the event.
    public func retryAfter(_ key: String, now: ContinuousClock.Instant? = nil) -> Int? {
        // On every authenticated request: a client that never failed has no bucket, and gets none from looking.
        guard buckets.withLock({ $0[key] != nil }) else { return nil }
        return withBucket(key, now: now ?? clock()) { bucket in bucket.tokens >= 1 ? nil : wait(for: bucket) }
    }

    /// Counts one event (it may take the bucket below zero under concurrent events; the wait grows accordingly).
    public func charge(_ key: String, now: ContinuousClock.Instant? = nil) {
        withBucket(key, now: now ?? clock()) { bucket in bucket.tokens = max(bucket.tokens - 1, -capacity) }
    }

    private func wait(for bucket: Bucket) -> Int {
        max(1, Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up)))
    }

    private func withBucket<T>(_ key: String, now: ContinuousClock.Instant, _ body: (inout Bucket) -> T) -> T {
        buckets.withLock { buckets in
            // Bounded memory: past 50,000 keys, forget the ones idle long enough to have refilled completely (a bucket
            // refills in 60 s, or 120 s from the lowest `charge` can take it).
            if buckets.count > 50_000 { buckets = buckets.filter { now - $0.value.updated < .seconds(120) } }
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + seconds * refillPerSecond)
            bucket.updated = now
            defer { buckets[key] = bucket }
            return body(&bucket)
        }
    }
}
