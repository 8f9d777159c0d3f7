import Transcoder

extension JobRunner {
    /// The plan a job is encoded with: its ladder, and the worker's sound settings (issue #17).
    func transcodePlan(ladder: [Int]) -> TranscodePlan {
        var plan = TranscodePlan(heights: ladder)
        plan.audioNormalisation = Self.audioNormalisation(environment.configuration)
        return plan
    }

    static func audioNormalisation(_ configuration: WorkerConfiguration) -> AudioNormalisation? {
        configuration.loudnessTarget.map {
            AudioNormalisation(targetLoudness: $0, truePeakCeiling: configuration.truePeakCeiling)
        }
    }
}
