import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `lectern-api` executable itself: configuration errors, serving, SIGTERM, and what it links.
@Suite("lectern-api executable") struct ExecutableTests {
    var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lectern-api")
    }

    func launch(_ environment: [String: String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.environment = environment
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        return (process, stderr)
    }

    func waitForExit(_ process: Process, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return !process.isRunning
    }

    @Test func aMissingSettingStopsTheStartWithItsName() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build lectern-api first (swift build)")
        let (process, stderr) = try launch(["LECTERN_JWT_SECRET": "x"])
        #expect(await waitForExit(process, within: .seconds(20)))
        #expect(process.terminationStatus == 2)
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("LECTERN_BUCKET is not set"))
        #expect(message.contains("LECTERN_JWT_SECRET must be at least 32 bytes"))
    }

    @Test func servesUntilSIGTERMThenExitsCleanly() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build lectern-api first (swift build)")
        let moto = try await MotoServer.shared()
        let context = moto.context(transport: TestWorld.transport)
        let table = MotoServer.uniqueName("lectures"), bucket = MotoServer.uniqueName("media"),
            queue = MotoServer.uniqueName("jobs")
        try await LectureStore(dynamo: DynamoDBClient(context: context), table: table).ensureTable()
        try await S3Client(context: context).createBucket(bucket)
        try await SQSClient(context: context).createQueue(named: queue)
        let port = try Self.freePort(), metricsPort = try Self.freePort()
        var environment = moto.environment
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        environment.merge([
            "LECTERN_LECTURES_TABLE": table, "LECTERN_BUCKET": bucket, "LECTERN_QUEUE_URL": queue,
            "LECTERN_JWT_SECRET": TestWorld.secret, "PORT": String(port),
            "METRICS_PORT": String(metricsPort),
        ]) { _, new in new }
        let (process, _) = try launch(environment)
        defer { if process.isRunning { process.terminate() } }

        let base = URL(string: "http://127.0.0.1:\(port)")!
        var healthy = false
        for _ in 0..<200 where !healthy {
            let answer = try? await TestWorld.transport.execute(
                HTTPRequest(method: "GET", url: base.appendingPathComponent("healthz"))
            )
            healthy = answer?.status == 200
            if !healthy { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(healthy, "lectern-api did not answer /healthz")
        let ready = try await TestWorld.transport.execute(
            HTTPRequest(method: "GET", url: base.appendingPathComponent("readyz"))
        )
        #expect(ready.status == 200, "\(String(decoding: ready.body, as: UTF8.self))")
        // Metrics on their own port (loopback by default), and not on the API's.
        let metrics = try await TestWorld.transport.execute(
            HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(metricsPort)/metrics")!)
        )
        #expect(metrics.status == 200)
        #expect(
            String(decoding: metrics.body, as: UTF8.self).contains(
                #"lectern_api_requests_total{route="/readyz",method="GET",status="200"} 1"#
            )
        )
        let hidden = try await TestWorld.transport.execute(
            HTTPRequest(method: "GET", url: base.appendingPathComponent("metrics"))
        )
        #expect(hidden.status == 404)

        kill(process.processIdentifier, SIGTERM)
        #expect(await waitForExit(process, within: .seconds(15)))
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    @Test func theAPINeverLinksFFmpeg() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build lectern-api first (swift build)")
        let libraries = try await ChildProcess.run("/usr/bin/ldd", [binary.path]).text
        #expect(libraries.contains("libcurl"))
        for library in ["libavformat", "libavcodec", "libavutil", "libswscale", "libswresample", "libavfilter"] {
            #expect(!libraries.contains(library), "lectern-api links \(library)")
        }
    }

    /// A port nobody listens on right now (bound, read, released).
    static func freePort() throws -> UInt16 { try LoopbackPort.free() }
}
