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
        let victim = try WorkerProcess(binary: try #require(Self.binary), environment: harness.processEnvironment(workerID: "victim"))

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
        let keys = try await harness.keys(under: ObjectKeys.renditionPrefix(lectureID: job.lectureID, version: job.outputVersion))
        #expect(keys.contains(ObjectKeys.renditionPrefix(lectureID: job.lectureID, version: job.outputVersion) + "manifest.json"))
    }

    @Test(.enabled(if: binary != nil, "build lectern-worker first"))
    func sigtermMidJobReleasesItAndExitsZero() async throws {
        let harness = try await WorkerHarness.make(visibility: 60)
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture(seconds: 40), ladder: [240])
        let worker = try WorkerProcess(binary: try #require(Self.binary),
                                       environment: harness.processEnvironment(workerID: "leaving", visibility: 60, grace: 0)
                                           .merging(["METRICS_PORT": "0"]) { $1 })

        try await harness.waitForRecord(job.lectureID, timeout: .seconds(60)) { $0.progressStage == "encoding" }
        // Its metrics endpoint counts the running job.
        let port = try #require(Self.metricsPort(in: worker.log), "log:\n\(worker.log)")
        let scrape = try await CurlTransport().execute(HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/metrics")!))
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

    /// The port from the worker's "metrics listening" JSON log line.
    static func metricsPort(in log: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains("metrics listening") {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
               let port = object["port"].flatMap({ Int($0) }) { return port }
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
