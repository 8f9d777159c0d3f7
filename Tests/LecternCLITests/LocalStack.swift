import AWS
import Foundation
import LecternCore
import LecternTestSupport
import LocalPlatform
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What `make run` starts, assembled by a test: moto (without signature checks: presigned URLs go to it),
/// bootstrapped resources, a built `lectern-api` and one `lectern-worker`.
final class LocalStack: @unchecked Sendable {
    // @unchecked: immutable after init; the children are only signalled.
    let moto: MotoServer
    let resources: LocalBootstrap.Resources
    let context: AWSContext
    let secret = "local-stack-secret-" + UUID().uuidString
    let apiPort: Int
    let api: ChildProcess
    let worker: ChildProcess
    let scratch = NSTemporaryDirectory() + "lectern-stack-\(UUID().uuidString)"

    var apiBase: String { "http://127.0.0.1:\(apiPort)" }
    var store: LectureStore { LectureStore(dynamo: DynamoDBClient(context: context), table: resources.table) }

    /// `mailFrom`: turn outcome mail on (LECTERN_NOTIFY_EMAIL=ses) with this sender, verified by the bootstrap.
    init(transport: any HTTPTransport, mailFrom: String? = nil) async throws {
        moto = try await MotoServer.sharedWithoutSignatureChecks()
        context = moto.context(transport: transport)
        apiPort = try Processes.freePort()
        var settings = LocalBootstrap.Settings(
            bucket: MotoServer.uniqueName("stack"),
            queue: MotoServer.uniqueName("stack-jobs"),
            deadLetterQueue: MotoServer.uniqueName("stack-dlq"),
            table: MotoServer.uniqueName("stack-lectures"),
            corsOrigins: ["http://localhost:\(apiPort)"]
        )
        settings.verifiedSenders = mailFrom.map { [$0] } ?? []
        resources = try await LocalBootstrap(settings: settings, context: context).run()
        var environment = moto.environment
        if let mailFrom {
            environment["LECTERN_NOTIFY_EMAIL"] = "ses"
            environment["LECTERN_NOTIFY_FROM"] = mailFrom
            environment["LECTERN_PORTAL_URL"] = "http://localhost:\(apiPort)"
        }
        for (name, value) in resources.environment { environment[name] = value }
        environment["LECTERN_JWT_SECRET"] = secret
        var apiEnvironment = environment
        apiEnvironment["PORT"] = String(apiPort)
        apiEnvironment["METRICS_PORT"] = "0"  // a free port: 9101 may be held by `make run`
        apiEnvironment["LECTERN_CORS_ORIGIN"] = "http://localhost:\(apiPort)"
        api = try ChildProcess(
            executable: try BuiltProducts.executable("lectern-api"),
            arguments: [],
            environment: apiEnvironment,
            inheritEnvironment: false
        )
        var workerEnvironment = environment
        workerEnvironment["LECTERN_SCRATCH_DIR"] = scratch
        workerEnvironment["LECTERN_RECEIVE_WAIT_SECONDS"] = "1"
        workerEnvironment["LECTERN_MIN_FREE_BYTES"] = "0"
        workerEnvironment["LECTERN_PROGRESS_INTERVAL_SECONDS"] = "1"
        workerEnvironment["LECTERN_WORKER_CONCURRENCY"] = "1"
        workerEnvironment["LECTERN_SHUTDOWN_GRACE_SECONDS"] = "2"
        worker = try ChildProcess(
            executable: try BuiltProducts.executable("lectern-worker"),
            arguments: [],
            environment: workerEnvironment,
            inheritEnvironment: false
        )
        try await waitUntilReady(transport: transport)
    }

    private func waitUntilReady(transport: any HTTPTransport) async throws {
        let url = try #require(URL(string: apiBase + "/readyz"))
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let response = try? await transport.execute(HTTPRequest(method: "GET", url: url)), response.status == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ChildProcess.Timeout(description: "lectern-api not ready; its output:\n\(api.output.suffix(3_000))")
    }

    deinit {
        api.signal(SIGTERM)
        worker.signal(SIGTERM)
        try? FileManager.default.removeItem(atPath: scratch)
    }
}
