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
}
