import LecternCore
import Testing

@Suite struct ScalingPolicyTests {
    let policy = ScalingPolicy(
        targetBacklogPerWorker: 2,
        minWorkers: 0,
        maxWorkers: 5,
        scaleOutCooldownSeconds: 60,
        scaleInCooldownSeconds: 300
    )

    @Test(arguments: [
        (0, 0, 0), (1, 0, 1), (2, 0, 1), (3, 0, 2), (0, 1, 1), (4, 3, 4), (100, 0, 5),
    ])
    func desiredIsBacklogOverTargetRoundedUpWithinBounds(visible: Int, inFlight: Int, expected: Int) {
        #expect(policy.desiredWorkers(visible: visible, inFlight: inFlight) == expected)
    }

    @Test func minimumHoldsWithNoBacklog() {
        let warm = ScalingPolicy(targetBacklogPerWorker: 2, minWorkers: 1, maxWorkers: 3)
        #expect(warm.desiredWorkers(visible: 0, inFlight: 0) == 1)
    }

    @Test func leavingZeroIgnoresTheCooldown() {
        #expect(policy.nextSize(current: 0, visible: 1, inFlight: 0, secondsSinceLastChange: 0) == 1)
    }

    @Test func scaleOutWaitsForItsCooldown() {
        #expect(policy.nextSize(current: 1, visible: 6, inFlight: 0, secondsSinceLastChange: 10) == 1)
        #expect(policy.nextSize(current: 1, visible: 6, inFlight: 0, secondsSinceLastChange: 60) == 3)
    }

    @Test func scaleInWaitsLongerThanScaleOut() {
        #expect(policy.nextSize(current: 3, visible: 0, inFlight: 0, secondsSinceLastChange: 120) == 3)
        #expect(policy.nextSize(current: 3, visible: 0, inFlight: 0, secondsSinceLastChange: 300) == 0)
    }

    @Test func runningJobsKeepTheirWorkers() {
        #expect(policy.nextSize(current: 2, visible: 0, inFlight: 3, secondsSinceLastChange: 1_000) == 2)
    }
}
