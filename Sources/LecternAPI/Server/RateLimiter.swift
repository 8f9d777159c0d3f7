import Foundation
import Synchronization

/// Per-user token buckets for write requests: `perMinute` writes a minute, with bursts up to that many.
public final class RateLimiter: Sendable {
    private struct Bucket { var tokens: Double; var updated: ContinuousClock.Instant }
    private let capacity: Double
    private let refillPerSecond: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(perMinute: Int) {
        capacity = Double(perMinute)
        refillPerSecond = Double(perMinute) / 60
    }

    /// nil when the write may go ahead (and it is counted); otherwise the whole seconds to wait.
    public func admit(_ user: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            if buckets.count > 50_000 { buckets = buckets.filter { now - $0.value.updated < .seconds(120) } }
            var bucket = buckets[user] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + seconds * refillPerSecond)
            bucket.updated = now
            defer { buckets[user] = bucket }
            guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up))) }
            bucket.tokens -= 1
            return nil
        }
    }
}
