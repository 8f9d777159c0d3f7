/// How many encoders to run for a backlog: the one rule shared by the local worker pool (`lectern dev workers`)
/// and the ECS deployment (target tracking on backlog per task, plus a step from 0 to 1).
public struct ScalingPolicy: Sendable, Equatable, Codable {
    /// Messages waiting per running worker that the fleet aims for.
    public var targetBacklogPerWorker: Int
    public var minWorkers: Int
    public var maxWorkers: Int
    /// Seconds to wait after scaling out before scaling out again, and after any change before scaling in.
    public var scaleOutCooldownSeconds: Int
    public var scaleInCooldownSeconds: Int

    public init(
        targetBacklogPerWorker: Int = ScalingPolicy.defaultTargetBacklogPerWorker,
        minWorkers: Int = 0,
        maxWorkers: Int,
        scaleOutCooldownSeconds: Int = ScalingPolicy.defaultScaleOutCooldownSeconds,
        scaleInCooldownSeconds: Int = ScalingPolicy.defaultScaleInCooldownSeconds
    ) {
        precondition(targetBacklogPerWorker > 0 && minWorkers >= 0 && maxWorkers >= minWorkers)
        self.targetBacklogPerWorker = targetBacklogPerWorker
        self.minWorkers = minWorkers
        self.maxWorkers = maxWorkers
        self.scaleOutCooldownSeconds = scaleOutCooldownSeconds
        self.scaleInCooldownSeconds = scaleInCooldownSeconds
    }

    // The deployment templates reference these same numbers (deploy/ reads them from here).
    public static let defaultTargetBacklogPerWorker = 2
    public static let defaultScaleOutCooldownSeconds = 60
    public static let defaultScaleInCooldownSeconds = 300

    /// Workers wanted for `visible` waiting and `inFlight` running jobs. The backlog counts both (the deployment's
    /// metric math is (Visible + NotVisible) ÷ running tasks), so jobs still encoding keep their workers; the
    /// answer is the backlog ÷ target rounded up, within min…max.
    public func desiredWorkers(visible: Int, inFlight: Int) -> Int {
        let backlog = max(0, visible) + max(0, inFlight)
        let wanted = (backlog + targetBacklogPerWorker - 1) / targetBacklogPerWorker
        return min(maxWorkers, max(minWorkers, wanted))
    }

    /// The next size given the current one and the seconds since the last change, honouring the cooldowns.
    /// Leaving zero is never delayed: a lecture waiting with no encoder at all is the one case that cannot wait.
    public func nextSize(current: Int, visible: Int, inFlight: Int, secondsSinceLastChange: Int) -> Int {
        let wanted = desiredWorkers(visible: visible, inFlight: inFlight)
        if wanted > current {
            if current == 0 || secondsSinceLastChange >= scaleOutCooldownSeconds { return wanted }
            return current
        }
        if wanted < current, secondsSinceLastChange >= scaleInCooldownSeconds { return wanted }
        return current
    }
}
