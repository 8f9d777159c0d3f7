import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

/// The built `lectern-worker` binary as a child process: crashes and signals.
@Suite("lectern-worker process") struct WorkerProcessTests {
    static var binary: String? { try? BuiltProducts.executable("lectern-worker") }

    final class WorkerProcess {
        let process = Process()
        let logPath = NSTemporaryDirectory() + "lectern-worker-\(UUID().uuidString).log"

        init(binary: String, environment: [String: String]) throws {
            process.executableURL = URL(fileURLWithPath: binary)
            process.environment = environment
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            process.standardError = log
            process.standardOutput = log
            try process.run()
        }

        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        func waitForExit(timeout: Duration) async throws -> Int32 {
            let deadline = ContinuousClock.now + timeout
            while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            guard !process.isRunning else {
                process.terminate()
                throw HarnessError("worker process did not exit; log:\n\(log)")
            }
            return process.terminationStatus
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    @Test(.enabled(if: binary != nil, "build lectern-worker first"))
    func aWorkerKilledMidEncodeIsReplacedAfterTheVisibilityTimeout() async throws {
        let harness = try await WorkerHarness.make(visibility: 3)
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture(seconds: 40), ladder: [240])
        let victim = try WorkerProcess(
            binary: try #require(Self.binary),
            environment: harness.processEnvironment(workerID: "victim")
        )

        try await harness.waitForRecord(job.lectureID, timeout: .seconds(60)) {
            $0.progressStage == "encoding" && ($0.progressPercent ?? 0) > 3
        }
        kill(victim.process.processIdentifier, SIGKILL)
        #expect(try await victim.waitForExit(timeout: .seconds(10)) == SIGKILL)
        let orphaned = try #require(try await harness.store.get(job.lectureID))
        #expect(orphaned.state == .processing)
        #expect(orphaned.workerId == "victim")

        let rescuer = harness.startWorker(harness.configuration(workerID: "rescuer"))
        let record = try await harness.waitForRecord(job.lectureID, timeout: .seconds(120)) { $0.state == .ready }
        try await harness.waitForEmptyQueue()
        try await rescuer.stop()
        #expect(record.attempts == 2)
        #expect(record.publishedVersion == job.outputVersion)
        let keys = try await harness.keys(
            under: ObjectKeys.renditionPrefix(lectureID: job.lectureID, version: job.outputVersion)
        )
        #expect(
            keys.contains(
                ObjectKeys.renditionPrefix(lectureID: job.lectureID, version: job.outputVersion) + "manifest.json"
            )
        )
    }

    @Test(.enabled(if: binary != nil, "build lectern-worker first"))
    func sigtermMidJobReleasesItAndExitsZero() async throws {
        let harness = try await WorkerHarness.make(visibility: 60)
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture(seconds: 40), ladder: [240])
        let worker = try WorkerProcess(
            binary: try #require(Self.binary),
            environment: harness.processEnvironment(workerID: "leaving", visibility: 60, grace: 0)
                .merging(["METRICS_PORT": "0"]) { $1 }
        )

        try await harness.waitForRecord(job.lectureID, timeout: .seconds(60)) { $0.progressStage == "encoding" }
        // Its metrics endpoint counts the running job.
        let port = try #require(Self.metricsPort(in: worker.log), "log:\n\(worker.log)")
        let scrape = try await CurlTransport().execute(
            HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        )
        #expect(scrape.status == 200)
        #expect(String(decoding: scrape.body, as: UTF8.self).contains("lectern_worker_jobs_running 1"))
        kill(worker.process.processIdentifier, SIGTERM)
        let status = try await worker.waitForExit(timeout: .seconds(15))
        #expect(status == 0, "log:\n\(worker.log)")
        let released = try #require(try await harness.store.get(job.lectureID))
        #expect(released.state == .queued)
        #expect(worker.log.contains("released at shutdown"))

        // The queue's visibility is 60 s, so only a release lets this finish within the wait below.
        let successor = harness.startWorker(harness.configuration(workerID: "successor", visibility: 60))
        let record = try await harness.waitForRecord(job.lectureID, timeout: .seconds(50)) { $0.state == .ready }
        try await successor.stop()
        #expect(record.attempts == 2)
    }

    @Test(.enabled(if: binary != nil, "build lectern-worker first"))
    func aStartingWorkerRemovesTheScratchOfAKilledWorkerButNotOfALiveOne() async throws {
        let harness = try await WorkerHarness.make(visibility: 3)
        // A live worker holds its job's folder: its source download is slowed to 20 s.
        let heldJob = try await harness.enqueue(sourcePath: try await Clips.lecture(), ladder: [240])
        let slow = InterceptingTransport(base: CurlTransport()) { request in
            if request.method == "GET", request.url.path.contains("/uploads/") {
                try await Task.sleep(for: .seconds(20))
            }
        }
        let holder = harness.startWorker(
            harness.configuration(workerID: "holder", visibility: 30, grace: .milliseconds(200)),
            context: harness.moto.context(transport: slow)
        )
        try await harness.waitForRecord(heldJob.lectureID) { $0.progressStage == "downloading" }
        let heldFolders = harness.scratchEntries().filter { $0.hasPrefix(heldJob.lectureID) }
        #expect(heldFolders.count == 1)

        // A real worker sharing the scratch directory is SIGKILLed mid-encode: its folder stays behind.
        let orphanJob = try await harness.enqueue(sourcePath: try await Clips.lecture(seconds: 40), ladder: [240])
        let victim = try WorkerProcess(
            binary: try #require(Self.binary),
            environment: harness.processEnvironment(workerID: "victim")
        )
        try await harness.waitForRecord(orphanJob.lectureID, timeout: .seconds(60)) { $0.progressStage == "encoding" }
        kill(victim.process.processIdentifier, SIGKILL)
        #expect(try await victim.waitForExit(timeout: .seconds(10)) == SIGKILL)
        let leftovers = harness.scratchEntries().filter { $0.hasPrefix(orphanJob.lectureID) }
        try #require(leftovers.count == 1)

        // A new worker on the same scratch directory removes the dead one's folder at start, and only that.
        let logs = LogCapture()
        let newcomer = harness.startWorker(
            harness.configuration(workerID: "newcomer", grace: .milliseconds(200)),
            logs: logs
        )
        let deadline = ContinuousClock.now + .seconds(15)
        while !logs.all.contains(where: { $0.contains("worker started") }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(
            logs.all.contains {
                $0.contains("removed scratch folders left by dead workers") && $0.contains(leftovers[0])
            }
        )
        #expect(!FileManager.default.fileExists(atPath: harness.scratch + "/" + leftovers[0]))
        #expect(FileManager.default.fileExists(atPath: harness.scratch + "/" + heldFolders[0]))
        #expect(try await harness.store.get(heldJob.lectureID)?.workerId == "holder")
        try await newcomer.stop()
        try await holder.stop()
    }

    @Test(.enabled(if: binary != nil, "build lectern-worker first"))
    func aWorkerWhoseQueueIsUnreachableWaitsServingHealthAndStopsOnSigterm() async throws {
        let closed = try Self.closedPort()
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:\(closed)"
        environment["AWS_REGION"] = "us-east-1"
        environment["AWS_ACCESS_KEY_ID"] = "AKIDCLOSED"
        environment["AWS_SECRET_ACCESS_KEY"] = "closed"
        environment["LECTERN_QUEUE_URL"] = "http://127.0.0.1:\(closed)/123456789012/jobs"
        environment["LECTERN_BUCKET"] = "b"
        environment["LECTERN_LECTURES_TABLE"] = "t"
        environment["LECTERN_SCRATCH_DIR"] = NSTemporaryDirectory() + MotoServer.uniqueName("lectern-worker-scratch")
        environment["LECTERN_START_RETRY_MAX_SECONDS"] = "1"
        environment["METRICS_PORT"] = "0"
        let worker = try WorkerProcess(binary: try #require(Self.binary), environment: environment)

        // It keeps trying, logging each attempt, instead of exiting.
        let deadline = ContinuousClock.now + .seconds(30)
        while worker.log.components(separatedBy: "queue unreachable at start").count < 4, ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(worker.process.isRunning, "log:\n\(worker.log)")
        #expect(worker.log.components(separatedBy: "queue unreachable at start").count >= 4, "log:\n\(worker.log)")
        // Its metrics and health are served meanwhile.
        let port = try #require(Self.metricsPort(in: worker.log), "log:\n\(worker.log)")
        let health = try await CurlTransport().execute(
            HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/health")!)
        )
        #expect(String(decoding: health.body, as: UTF8.self).contains("waiting-for-queue"))
        let scrape = try await CurlTransport().execute(
            HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        )
        #expect(String(decoding: scrape.body, as: UTF8.self).contains("lectern_worker_queue_connected 0"))

        // SIGTERM during the wait ends it at once, cleanly.
        let stopped = ContinuousClock.now
        kill(worker.process.processIdentifier, SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(20)) == 0, "log:\n\(worker.log)")
        // "At once" against the 25 s shutdown grace it would otherwise wait out; 5 s was too tight under parallel load.
        #expect(ContinuousClock.now - stopped < .seconds(15))
    }

    @Test(.enabled(if: binary != nil, "build lectern-worker first"))
    func aWorkerStartedBeforeItsQueueAnswersBeginsWorkingOnceItDoes() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture(), ladder: [240])
        // Every AWS call goes through a proxy that drops connections until told to pass.
        let proxy = try FlakyProxy(upstreamPort: try #require(harness.moto.endpoint.port), dropping: true)
        var environment = harness.processEnvironment(workerID: "early")
        environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:\(proxy.port)"
        environment["LECTERN_START_RETRY_MAX_SECONDS"] = "1"
        let worker = try WorkerProcess(binary: try #require(Self.binary), environment: environment)
        let deadline = ContinuousClock.now + .seconds(30)
        while worker.log.components(separatedBy: "queue unreachable at start").count < 3, ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(worker.process.isRunning, "log:\n\(worker.log)")
        #expect(try await harness.store.get(job.lectureID)?.state == .queued)

        proxy.pass()
        try await harness.waitForRecord(job.lectureID, timeout: .seconds(60)) { $0.state == .ready }
        // Read again once the message is gone: moto applies an update's SET clauses one at a time, so a read racing
        // the publish can see `ready` before the rest of that write.
        try await harness.waitForEmptyQueue()
        let record = try #require(try await harness.store.get(job.lectureID))
        #expect(record.workerId == "early")
        #expect(record.publishedVersion == job.outputVersion)
        #expect(worker.log.contains("queue reachable"))
        kill(worker.process.processIdentifier, SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(15)) == 0, "log:\n\(worker.log)")
    }

    /// A loopback port nothing listens on (bound, then closed).
    static func closedPort() throws -> Int { Int(try LoopbackPort.free()) }

    /// The port from the worker's "metrics listening" JSON log line.
    static func metricsPort(in log: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains("metrics listening") {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                let port = object["port"].flatMap({ Int($0) })
            {
                return port
            }
        }
        return nil
    }

    @Test(.enabled(if: binary != nil, "build lectern-worker first"))
    func aBadEnvironmentExitsWithAMessageNamingTheVariable() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["LECTERN_QUEUE_URL"] = "http://127.0.0.1:1/queue"
        environment["LECTERN_BUCKET"] = "b"
        environment.removeValue(forKey: "LECTERN_LECTURES_TABLE")
        let worker = try WorkerProcess(binary: try #require(Self.binary), environment: environment)
        #expect(try await worker.waitForExit(timeout: .seconds(10)) == 2)
        #expect(worker.log.contains("LECTERN_LECTURES_TABLE"))
    }
}
