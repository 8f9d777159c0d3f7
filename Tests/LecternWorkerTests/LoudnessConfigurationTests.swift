import Testing
import Transcoder

@testable import LecternWorker

/// The worker's sound settings (issue #17) reach the plan every job is encoded with.
@Suite struct LoudnessConfigurationTests {
    let minimal = [
        "LECTERN_QUEUE_URL": "http://127.0.0.1:5000/123456789012/jobs", "LECTERN_BUCKET": "media",
        "LECTERN_LECTURES_TABLE": "lectures",
    ]

    @Test func defaultsAreTheStreamingTarget() throws {
        let configuration = try WorkerConfiguration.fromEnvironment(minimal)
        #expect(JobRunner.audioNormalisation(configuration) == AudioNormalisation())
        #expect(JobRunner.audioNormalisation(configuration)?.targetLoudness == -16)
        #expect(JobRunner.audioNormalisation(configuration)?.truePeakCeiling == -1.5)
    }

    @Test func targetAndCeilingAreConfigurable() throws {
        var environment = minimal
        environment["LECTERN_LOUDNESS_TARGET"] = "−23"
        environment["LECTERN_TRUE_PEAK_CEILING"] = "-2"
        let settings = JobRunner.audioNormalisation(try WorkerConfiguration.fromEnvironment(environment))
        #expect(settings?.targetLoudness == -23)
        #expect(settings?.truePeakCeiling == -2)
        environment["LECTERN_LOUDNESS_TARGET"] = "off"
        #expect(JobRunner.audioNormalisation(try WorkerConfiguration.fromEnvironment(environment)) == nil)
    }

    @Test(arguments: [
        ("LECTERN_LOUDNESS_TARGET", "loud"), ("LECTERN_LOUDNESS_TARGET", "0"), ("LECTERN_TRUE_PEAK_CEILING", "3"),
    ])
    func nonsenseIsRefusedNamingTheVariable(name: String, value: String) {
        var environment = minimal
        environment[name] = value
        let problem = #expect(throws: WorkerConfiguration.Problem.self) {
            try WorkerConfiguration.fromEnvironment(environment)
        }
        #expect(problem?.variable == name)
    }
}
