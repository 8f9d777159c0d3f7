import AWS
import FlyingFox
import Foundation
import LecternCore
import LecternTestSupport
import LecternWorker
import Logging
import Synchronization
import Testing

@Suite("Worker observability: metrics endpoint, JSON logs, ECS protection") struct ObservabilityTests {
    @Test func metricsEndpointServesThePrometheusText() async throws {
        let metrics = WorkerMetrics()
        let server = MetricsServer(port: 0, metrics: metrics)
        let serving = Task { try await server.run() }
        defer { serving.cancel() }
        let port = try #require(try await server.listeningPort())

        let transport = CurlTransport()
        let response = try await transport.execute(
            HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        )
        #expect(response.status == 200)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("# TYPE lectern_worker_jobs_running gauge"))
        #expect(text.contains("lectern_worker_jobs_succeeded_total 0"))
        #expect(text.contains("lectern_worker_encode_seconds_bucket"))
        let missing = try await transport.execute(
            HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/nope")!)
        )
        #expect(missing.status == 404)
        await server.stop()
    }

    @Test func logLinesAreJSONWithTheirMetadata() throws {
        let lines = LogCapture()
        var logger = Logger(label: "test") { JSONLogHandler(label: $0) { lines.append($0) } }
        logger[metadataKey: "lectureId"] = "lec_1"
        logger.info("claimed \"quoted\"", metadata: ["attempt": "2"])
        let line = try #require(lines.all.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["lectureId"] == "lec_1")
        #expect(object["attempt"] == "2")
        #expect(object["message"] == "claimed \"quoted\"")
        #expect(object["level"] == "info")
        #expect(object["time"] != nil)
        #expect(!line.contains("\n"))
    }

    /// A stand-in for the ECS agent's task-protection endpoint that records each PUT body.
    final class FakeAgent: Sendable {
        let bodies = Mutex<[String]>([])
        let server = HTTPServer(address: sockaddr_in.inet(port: 0), logger: .disabled)

        func start() async throws -> UInt16 {
            await server.appendRoute("PUT /task-protection/v1/state") { [self] request in
                let body = try await request.bodyData
                self.bodies.withLock { $0.append(String(decoding: body, as: UTF8.self)) }
                return HTTPResponse(statusCode: .ok, body: Data(#"{"protection":{}}"#.utf8))
            }
            Task { try await server.run() }
            try await server.waitUntilListening()
            guard case .ip4(_, let port) = await server.listeningAddress else { throw HarnessError("no port") }
            return port
        }
    }

    @Test func aRunningJobHoldsScaleInProtectionUntilItEnds() async throws {
        let agent = FakeAgent()
        let port = try await agent.start()
        defer { Task { await agent.server.stop() } }
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture())
        var configuration = harness.configuration()
        configuration.ecsAgentURI = "http://127.0.0.1:\(port)"
        configuration.protectionMinutes = 30
        let worker = harness.startWorker(configuration)

        try await harness.waitForRecord(job.lectureID) { $0.state == .ready }
        try await harness.waitForEmptyQueue()
        try await worker.stop()
        let bodies = agent.bodies.withLock { $0 }
        #expect(bodies.first == #"{"ProtectionEnabled":true,"ExpiresInMinutes":30}"#)
        #expect(bodies.last == #"{"ProtectionEnabled":false}"#)
    }

    @Test func aFullScratchDiskStopsReceiving() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture())
        let free = Mutex<Int64>(1_000)
        var configuration = harness.configuration()
        configuration.minimumFreeBytes = 1 << 30
        let logs = LogCapture()
        var logger = Logger(label: "disk") { JSONLogHandler(label: $0) { logs.append($0) } }
        logger.logLevel = .debug
        let worker = Worker(
            configuration: configuration,
            context: harness.context,
            logger: logger,
            diskSpace: DiskSpace { _ in free.withLock { $0 } }
        )
        let running = Task { try await worker.run() }

        try await Task.sleep(for: .seconds(3))
        // Nothing was received: the message is still visible and the record untouched.
        #expect(try await harness.store.get(job.lectureID)?.state == .queued)
        #expect(logs.all.contains { $0.contains("scratch disk low") })

        free.withLock { $0 = 1 << 40 }
        try await harness.waitForRecord(job.lectureID, timeout: .seconds(60)) { $0.state == .ready }
        await worker.shutdown()
        try await running.value
    }
}
