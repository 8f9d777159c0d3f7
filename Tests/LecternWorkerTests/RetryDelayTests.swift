import AWS
import Testing

@testable import LecternWorker

@Suite("Retry backoff") struct RetryDelayTests {
    @Test func growsWithTheReceiveCountWithinItsJitter() {
        for receives in 1...5 {
            let base = 10 << (receives - 1)
            for _ in 0..<50 {
                let delay = JobRunner.retryDelay(receives: receives, base: 10, max: 10_000)
                #expect((base...(base + base / 4)).contains(delay))
            }
        }
    }

    @Test func isCappedAndNeverNegative() {
        #expect(JobRunner.retryDelay(receives: 40, base: 10, max: 900) <= 900 + 225)
        #expect(JobRunner.retryDelay(receives: 0, base: 10, max: 900) >= 10)
        #expect(JobRunner.retryDelay(receives: 3, base: 0, max: 900) == 0)
        #expect(
            JobRunner.retryDelay(receives: 1_000, base: 43_200, max: 43_200) <= SQSLimits.maxVisibilityTimeoutSeconds
        )
    }

    @Test func startUpRetriesDoubleFromHalfASecondUpToTheCap() {
        for attempt in 1...12 {
            let base = min(Duration.milliseconds(500) * (1 << (attempt - 1)), .seconds(30))
            for _ in 0..<20 {
                let delay = Worker.startRetryDelay(attempt: attempt, maximum: .seconds(30))
                #expect(delay >= base && delay <= base * 1.2 + .milliseconds(1))
            }
        }
        #expect(Worker.startRetryDelay(attempt: 10_000, maximum: .seconds(2)) <= .seconds(2.4))
    }
}
