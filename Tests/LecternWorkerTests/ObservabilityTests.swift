import AWS
import Foundation
import HTTPServerEngine
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

    /// Health, HEAD and the wrong method are answered as the API's metrics listener answers them.
    @Test func healthHeadAndOtherMethodsAreAnsweredAsTheAPIAnswersThem() async throws {
        let server = MetricsServer(port: 0, metrics: WorkerMetrics())
        let serving = Task { try await server.run() }
        defer { serving.cancel() }
        let port = try #require(try await server.listeningPort())

        let (health, head, post, missing) = try await RawSocket.onThread {
            () throws -> (RawSocket.Response, RawSocket.Response, RawSocket.Response, RawSocket.Response) in
            let socket = try RawSocket(port: port)
            socket.send("GET /health HTTP/1.1\r\nHost: worker\r\n\r\n")
            let health = try socket.readResponse()
            socket.send("HEAD /metrics HTTP/1.1\r\nHost: worker\r\n\r\n")
            let head = try socket.readResponse()
            socket.send("POST /metrics HTTP/1.1\r\nHost: worker\r\nContent-Length: 0\r\n\r\n")
            let post = try socket.readResponse()
            socket.send("GET /nope HTTP/1.1\r\nHost: worker\r\n\r\n")
            return (health, head, post, try socket.readResponse())
        }
        await server.stop()

        #expect(health.status == 200)
        #expect(health.headers["content-type"] == "application/json")
        #expect(health.json?["status"] as? String == "starting")
        #expect(head.status == 200)
        #expect(head.headers["content-type"] == "text/plain; version=0.0.4")
        #expect(head.body.isEmpty)
        #expect(post.status == 405)
        #expect(post.headers["allow"] == "GET, HEAD")
        #expect(post.headers["content-type"] == "application/problem+json")
        #expect(missing.status == 404)
        #expect(missing.headers["content-type"] == "application/problem+json")
    }

    /// The metrics port runs on Lectern's own engine: a request line that is not HTTP gets a 400 problem (FlyingFox's
    /// server, which served this port before, answered it as a GET), and a head beyond the port's 8 KiB limit — below
    /// the API's 16 KiB — is refused with a 431 rather than read.
    @Test func aMalformedRequestLineGetsA400AndAnOversizedHeadA431() async throws {
        let server = MetricsServer(port: 0, metrics: WorkerMetrics())
        let serving = Task { try await server.run() }
        defer { serving.cancel() }
        let port = try #require(try await server.listeningPort())

        let (malformed, oversized) = try await RawSocket.onThread {
            () throws -> (RawSocket.Response, RawSocket.Response) in
            let first = try RawSocket(port: port)
            first.send("GET /metrics HTTP/1.1 now\r\nHost: worker\r\n\r\n")
            let malformed = try first.readResponse()
            let second = try RawSocket(port: port)
            let padding = String(repeating: "a", count: 12 * 1024)
            second.send("GET /metrics HTTP/1.1\r\nHost: worker\r\nX-Padding: \(padding)\r\n\r\n")
            return (malformed, try second.readResponse())
        }
        await server.stop()

        #expect(malformed.status == 400)
        #expect(malformed.headers["content-type"] == "application/problem+json")
        #expect(malformed.headers["connection"] == "close")
        #expect(oversized.status == 431)
        #expect(oversized.headers["content-type"] == "application/problem+json")
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
        let bodies = LogCapture()
        let server: HTTP1Server

        init() {
            let bodies = bodies
            server = HTTP1Server(host: "127.0.0.1", port: 0, logger: Logger(label: "fake-ecs-agent")) { request in
                guard request.method == "PUT", request.path == "/task-protection/v1/state" else {
                    return APIResponse(status: 404)
                }
                bodies.append(String(decoding: request.body, as: UTF8.self))
                return APIResponse(status: 200, body: Data(#"{"protection":{}}"#.utf8), contentType: "application/json")
            }
        }

        func start() async throws -> UInt16 {
            Task { [server] in try await server.run() }
            try await server.waitUntilListening(timeout: .seconds(60))
            guard let port = server.port else { throw HarnessError("no port") }
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
        let bodies = agent.bodies.all
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
