import AWS
import Foundation
import LecternAPI
import LecternCore
import LecternTestSupport

/// The whole platform for the browser tests, as `make run` starts it: moto (S3 without signature checks, because the
/// browser uses presigned URLs), a bucket whose CORS rule admits the portal's origin and exposes ETag, the jobs queue
/// with its DLQ, the lectures table, then the built `lectern-api` serving the portal and one `lectern-worker`.
struct PortalStack {
    let portalURL: URL
    let store: LectureStore
    let course: String
    let api: ChildProcess
    let worker: ChildProcess
    /// The bucket and moto's environment, for scenarios that lay out S3 and the table themselves (scenarios_growing).
    var bucket = ""
    var aws: [String: String] = [:]

    static let secret = "portal-browser-test-secret-0123456789"
    /// S3's smallest part, so a test-sized clip goes up in several parts.
    static let partBytes: Int64 = 5 << 20

    static func start(logs: URL) async throws -> PortalStack {
        let resources = try await MotoLectureStack.create(
            on: try await MotoServer.sharedWithoutSignatureChecks(),
            prefix: "portal"
        )
        let port = try LoopbackPort.free()
        let origin = "http://127.0.0.1:\(port)"
        let (store, bucket) = (resources.store, resources.bucket)
        try await resources.s3.putBucketCORS(
            bucket: bucket,
            rules: [
                S3CORSRule(
                    allowedOrigins: [origin],
                    allowedMethods: ["GET", "PUT", "HEAD"],
                    allowedHeaders: ["*"],
                    exposeHeaders: ["ETag"]
                )
            ]
        )
        let (queue, dlq) = try await resources.makeQueues(prefix: "portal-jobs", visibility: 30, maxReceiveCount: 3)
        let shared = resources.environment(queueURL: queue)

        var apiEnvironment = shared
        apiEnvironment["PORT"] = String(port)
        apiEnvironment["METRICS_PORT"] = "0"  // a free port: 9101 may be held by `make run`
        apiEnvironment["LECTERN_JWT_SECRET"] = secret
        apiEnvironment["LECTERN_PORTAL_DIR"] = BuiltProducts.repositoryRoot.appendingPathComponent("Portal").path
        apiEnvironment["LECTERN_SINGLE_UPLOAD_MAX_BYTES"] = String(partBytes)
        apiEnvironment["LECTERN_MIN_PART_BYTES"] = String(partBytes)
        let api = try ChildProcess(
            "lectern-api",
            executable: try BuiltProducts.executable("lectern-api"),
            arguments: [],
            environment: apiEnvironment,
            logPath: logs.appendingPathComponent("lectern-api.log").path
        )

        var workerEnvironment = shared
        workerEnvironment["LECTERN_DLQ_URL"] = dlq
        workerEnvironment["LECTERN_SCRATCH_DIR"] = NSTemporaryDirectory() + MotoServer.uniqueName("portal-scratch")
        workerEnvironment["LECTERN_WORKER_CONCURRENCY"] = "1"
        workerEnvironment["LECTERN_RECEIVE_WAIT_SECONDS"] = "1"
        workerEnvironment["LECTERN_PROGRESS_INTERVAL_SECONDS"] = "1"
        workerEnvironment["LECTERN_MIN_FREE_BYTES"] = "0"
        workerEnvironment["LECTERN_SHUTDOWN_GRACE_SECONDS"] = "5"
        let worker = try ChildProcess(
            "lectern-worker",
            executable: try BuiltProducts.executable("lectern-worker"),
            arguments: [],
            environment: workerEnvironment,
            logPath: logs.appendingPathComponent("lectern-worker.log").path
        )
        var stack = PortalStack(
            portalURL: URL(string: origin + "/")!,
            store: store,
            course: "CS101",
            api: api,
            worker: worker
        )
        stack.bucket = bucket
        stack.aws = resources.moto.environment
        do {
            try await stack.waitUntilServing()
        } catch {
            await stack.stop()
            throw error
        }
        return stack
    }

    /// Polls /healthz until the API answers; fails early, with its log, if it exits.
    func waitUntilServing(timeout: Duration = .seconds(30)) async throws {
        let transport = CurlTransport()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard api.isRunning else { throw StackError("lectern-api exited at start:\n\(api.output)") }
            if let response = try? await transport.execute(
                HTTPRequest(method: "GET", url: portalURL.appendingPathComponent("healthz"))
            ),
                response.status == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw StackError("lectern-api did not answer /healthz within \(timeout):\n\(api.output)")
    }

    func token(_ role: Role, user: String, name: String) async throws -> String {
        try await DevTokens.mint(
            secret: Self.secret,
            role: role,
            user: user,
            courses: [course],
            name: name,
            expiresIn: 1800
        )
    }

    func stop() async {
        await worker.stop()
        await api.stop()
    }
}

struct StackError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
