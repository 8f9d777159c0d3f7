import LecternAPI
import Testing

@Suite("Write rate limits") struct RateLimiterTests {
    @Test func burstThenWaitThenAdmittedAgain() {
        let limiter = RateLimiter(perMinute: 3)
        let start = ContinuousClock.now
        #expect((0..<3).allSatisfy { _ in limiter.admit("alice", now: start) == nil })
        let wait = limiter.admit("alice", now: start)
        #expect(wait == 20)
        // Other users have buckets of their own.
        #expect(limiter.admit("bob", now: start) == nil)
        #expect(limiter.admit("alice", now: start + .seconds(21)) == nil)
        #expect(limiter.admit("alice", now: start + .seconds(21)) != nil)
    }

    @Test func checkingCountsNothingAndChargingCountsAfterTheEvent() {
        // Failed sign-ins: check first (free), charge only when the sign-in failed.
        let limiter = RateLimiter(perMinute: 2)
        let start = ContinuousClock.now
        #expect((0..<10).allSatisfy { _ in limiter.retryAfter("203.0.113.7", now: start) == nil })
        limiter.charge("203.0.113.7", now: start)
        limiter.charge("203.0.113.7", now: start)
        #expect(limiter.retryAfter("203.0.113.7", now: start) == 30)
        #expect(limiter.retryAfter("198.51.100.9", now: start) == nil)
        #expect(limiter.retryAfter("203.0.113.7", now: start + .seconds(31)) == nil)
    }
}
