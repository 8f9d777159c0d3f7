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
        environment["LECTERN_RANGED_BLOCK_KIB"] = "1024"
        environment["LECTERN_RANGED_READ_AHEAD"] = "4"
        environment["LECTERN_RANGED_CACHED_BLOCKS"] = "3"
        environment["LECTERN_RANGED_ATTEMPTS"] = "2"
        let configuration = try WorkerConfiguration.fromEnvironment(environment)
        #expect(configuration.concurrency == 3)
        #expect(configuration.shutdownGrace == .seconds(5))
        #expect(configuration.scratchDirectory == "/var/scratch")
        #expect(configuration.metricsPort == 9100)
        #expect(configuration.ecsAgentURI == "http://169.254.170.2/api/abc")
        #expect(configuration.visibilitySeconds == 90)
        // The cache is raised to what the read-ahead needs (the block read, 4 ahead, one more).
        #expect(
            configuration.rangedRead
                == RangedReadSettings(blockSize: 1 << 20, readAhead: 4, cachedBlocks: 6, attempts: 2)
        )
        #expect(configuration.rangedRead.memoryBound == 6 << 20)
        #expect(try WorkerConfiguration.fromEnvironment(minimal).rangedRead == RangedReadSettings())
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
        ("LECTERN_RANGED_BLOCK_KIB", "16"),
        ("LECTERN_RANGED_CACHED_BLOCKS", "1000"),
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
