import LecternWorker
import Testing

@Suite("Worker configuration from the environment") struct WorkerConfigurationTests {
    let minimal = [
        "LECTERN_QUEUE_URL": "http://127.0.0.1:5000/123456789012/jobs", "LECTERN_BUCKET": "media",
        "LECTERN_LECTURES_TABLE": "lectures",
    ]

    @Test func requiredValuesAndDefaults() throws {
        let configuration = try WorkerConfiguration.fromEnvironment(minimal)
        #expect(configuration.queueURL == minimal["LECTERN_QUEUE_URL"])
        #expect(configuration.bucket == "media")
        #expect(configuration.table == "lectures")
        #expect(configuration.concurrency == WorkerConfiguration.defaultConcurrency())
        #expect(configuration.shutdownGrace == .seconds(25))
        #expect(configuration.receiveWaitSeconds == 20)
        #expect(configuration.ecsAgentURI == nil)
        #expect(configuration.metricsPort == nil)
    }

    @Test func optionalValuesOverrideTheDefaults() throws {
        var environment = minimal
        environment["LECTERN_WORKER_CONCURRENCY"] = "3"
        environment["LECTERN_SHUTDOWN_GRACE_SECONDS"] = "5"
        environment["LECTERN_SCRATCH_DIR"] = "/var/scratch"
        environment["METRICS_PORT"] = "9100"
        environment["ECS_AGENT_URI"] = "http://169.254.170.2/api/abc"
        environment["LECTERN_JOB_VISIBILITY_SECONDS"] = "90"
        let configuration = try WorkerConfiguration.fromEnvironment(environment)
        #expect(configuration.concurrency == 3)
        #expect(configuration.shutdownGrace == .seconds(5))
        #expect(configuration.scratchDirectory == "/var/scratch")
        #expect(configuration.metricsPort == 9100)
        #expect(configuration.ecsAgentURI == "http://169.254.170.2/api/abc")
        #expect(configuration.visibilitySeconds == 90)
    }

    @Test(arguments: [
        ("LECTERN_BUCKET", nil as String?),
        ("LECTERN_QUEUE_URL", "jobs"),
        ("LECTERN_WORKER_CONCURRENCY", "0"),
        ("LECTERN_WORKER_CONCURRENCY", "two"),
        ("LECTERN_SCRATCH_DIR", "relative/path"),
        ("LECTERN_JOB_VISIBILITY_SECONDS", "50000"),
        ("METRICS_PORT", "70000"),
        ("ECS_AGENT_URI", "169.254.170.2"),
    ])
    func badValuesNameTheirVariable(variable: String, value: String?) {
        var environment = minimal
        environment[variable] = value
        #expect(throws: WorkerConfiguration.Problem.self) { try WorkerConfiguration.fromEnvironment(environment) }
        do {
            _ = try WorkerConfiguration.fromEnvironment(environment)
        } catch {
            #expect(error.variable == variable)
            #expect(!error.message.isEmpty)
        }
    }
}
