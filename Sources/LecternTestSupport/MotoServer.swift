import AWS
import Foundation
import HTTPTransport
import SigV4

/// moto's server (S3, SQS, DynamoDB over the real wire protocols) on a free loopback port, for integration tests.
///
/// Signature checking is on: the launcher makes its first unauthenticated calls to create an IAM user with an
/// allow-all policy and an access key; after those, moto checks every request's SigV4 signature against that key.
/// One server per test process (`MotoServer.shared()`); tests name their buckets, queues and tables uniquely.
public final class MotoServer: Sendable {
    public let endpoint: URL
    public let credentials: AWSCredentials
    public let region = "us-east-1"
    private let process: Process
    private let stdinPipe: Pipe

    /// The process's server with signature checking on.
    public static func shared() async throws -> MotoServer { try await SharedMoto.checking.get() }

    /// The process's server with signature checking off, for what moto 5.2's check gets wrong: it rebuilds the
    /// canonical request from the already-decoded URL, so it rejects correctly signed requests whose path or query
    /// holds percent-encoded bytes other than spaces (keys with `+`, `=`, `%`, non-ASCII; `prefix=a%2F`) — boto3's
    /// own requests fail the same way — and it answers 500 to every presigned URL (it looks for an Authorization
    /// header). Everything else belongs on `shared()`.
    public static func sharedWithoutSignatureChecks() async throws -> MotoServer {
        try await SharedMoto.unchecked.get()
    }

    /// Starts a private server; it stops when this object is released or the test process exits.
    public static func start(checkingSignatures: Bool = true) throws -> MotoServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-c", launcherScript, checkingSignatures ? "check" : "nocheck"]
        var environment = ProcessInfo.processInfo.environment
        // Four unauthenticated IAM calls: CreateUser, CreatePolicy, AttachUserPolicy, CreateAccessKey.
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = checkingSignatures ? "4" : "inf"
        environment["AWS_ACCESS_KEY_ID"] = "bootstrap"
        environment["AWS_SECRET_ACCESS_KEY"] = "bootstrap"
        environment.removeValue(forKey: "AWS_SESSION_TOKEN")
        process.environment = environment
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        raisePriority(of: process.processIdentifier)

        // The launcher prints one JSON line once the server answers and the key exists.
        var line = Data()
        let handle = stdout.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
            if line.contains(UInt8(ascii: "\n")) { break }
        }
        struct Ready: Decodable {
            let port: Int
            let access_key: String
            let secret_key: String
        }
        guard
            let ready = try? JSONDecoder().decode(
                Ready.self,
                from: line.split(separator: UInt8(ascii: "\n")).first ?? Data()
            )
        else {
            process.terminate()
            throw MotoError(
                message:
                    """
                    moto server did not start (is `moto[server]` installed? run scripts/install-deps.sh): \
                    \(String(decoding: line, as: UTF8.self))
                    """
            )
        }
        raisePriority(of: process.processIdentifier)
        return MotoServer(
            process: process,
            stdin: stdin,
            endpoint: URL(string: "http://127.0.0.1:\(ready.port)")!,
            credentials: AWSCredentials(accessKeyID: ready.access_key, secretAccessKey: ready.secret_key)
        )
    }

    /// Runs moto ahead of the test process's encodes: moto stands in for AWS, which in production does not share the
    /// worker's cores, and one Python process answers every test of a parallel run. At the default priority, x264's
    /// threads on 2 cores starved it: upload completions answered 503 after 30 s, SES calls timed out with no byte,
    /// long polls returned 27 s late (fresh-clone and CI runs). Linux keeps a nice value per thread and a new thread
    /// inherits its creator's, so every thread there now is raised, before and once more after the server starts
    /// (werkzeug's request threads come from its serving thread). Without the privilege (not root) it stays as it is.
    private static func raisePriority(of pid: Int32) {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? ["\(pid)"]
        for task in tasks.compactMap(UInt32.init) {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), task, -10)
        }
    }

    private init(process: Process, stdin: Pipe, endpoint: URL, credentials: AWSCredentials) {
        self.process = process
        self.stdinPipe = stdin
        self.endpoint = endpoint
        self.credentials = credentials
    }

    deinit {
        try? stdinPipe.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
    }

    /// An `AWSConfiguration` pointing every service at this server.
    public var configuration: AWSConfiguration { AWSConfiguration(region: region, endpoint: endpoint) }

    /// The environment a child process (the API, a worker, the CLI) needs to talk to this server.
    public var environment: [String: String] {
        [
            "AWS_ENDPOINT_URL": endpoint.absoluteString, "AWS_REGION": region,
            "AWS_ACCESS_KEY_ID": credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
        ]
    }

    public func serviceClient(
        _ service: AWSService,
        transport: any HTTPTransport,
        credentials: AWSCredentials? = nil,
        retry: RetryPolicy = .default
    ) -> AWSServiceClient {
        AWSServiceClient(
            service: service,
            configuration: configuration,
            transport: transport,
            credentials: StaticCredentialProvider(credentials ?? self.credentials),
            retry: retry
        )
    }

    /// A name unique to this test run, valid for buckets, queues and tables.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.lowercased().prefix(12))"
    }

    static let launcherScript = #"""
        import json, os, sys, threading
        from moto.server import ThreadedMotoServer
        import boto3
        import types
        from moto.moto_api._internal import urls as moto_api_urls

        # moto's /moto-api/data.json (where tests read the mail SES "sent") is not safe on a moto that many tests share:
        # it walks every tracked model while other requests add to those sets (RuntimeError: changed size during
        # iteration) and checks each attribute's value before encoding them all later, by when another request may have
        # changed it (TypeError: keys must be str … not DynamoType); and from 5.2.6 reading the `status` of an S3 key
        # whose bucket was deleted raises MissingBucket, which its per-attribute guard does not catch. All answer 500.
        # The same dump, over snapshots of the sets, each value copied when it is checked, what cannot be read left
        # out as moto already leaves out what cannot be encoded, and retried if a set moved.
        def dump():
            from moto.core.model_instances import model_data as tracked
            results = {}
            for service in sorted(list(tracked)):
                results[service] = {}
                for name in sorted(list(tracked[service])):
                    results[service][name] = []
                    for instance in list(tracked[service][name].instances_tracked):
                        fields = {}
                        for attr in dir(instance):
                            if attr.startswith("_"):
                                continue
                            try:
                                fields[attr] = json.loads(json.dumps(getattr(instance, attr)))
                            except Exception:
                                continue
                        results[service][name].append(fields)
            return json.dumps(results)
        def model_data(self, request, full_url, headers):
            for attempt in range(10):
                try:
                    return 200, {"Content-Type": "application/javascript"}, dump()
                except RuntimeError:
                    if attempt == 9:
                        raise
        moto_api_urls.url_paths["{0}/moto-api/data.json"] = types.MethodType(model_data, \#
        moto_api_urls.response_instance)

        # DynamoDB's conditional writes are atomic; moto's are not: its threaded server checks a condition and writes
        # the item in two steps, and a thread switch between them lets two racing writers both succeed (seen once
        # under load: QueuedResendTests.twoSweepsRacingSendOnce got both sweeps' conditional updates accepted; not
        # reproduced in 300 quiet tries). One lock around every DynamoDB action makes each one atomic, as the real
        # service's per-item writes are; the interpreter lock already ran them one at a time, so it costs no
        # throughput.
        from moto.dynamodb.responses import DynamoHandler
        dynamodb_lock = threading.Lock()
        dynamodb_call_action = DynamoHandler.call_action
        def atomic_call_action(self):
            with dynamodb_lock:
                return dynamodb_call_action(self)
        DynamoHandler.call_action = atomic_call_action

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        if sys.argv[1] == "nocheck":
            print(json.dumps({"port": port, "access_key": "AKIDNOTCHECKED", "secret_key": "not-checked"}), flush=True)
            sys.stdin.read()
            os._exit(0)
        iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
        iam.create_user(UserName="lectern-test")
        policy = iam.create_policy(PolicyName="lectern-test-all", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        iam.attach_user_policy(UserName="lectern-test", PolicyArn=policy["Policy"]["Arn"])
        key = iam.create_access_key(UserName="lectern-test")["AccessKey"]
        print(json.dumps({"port": port, "access_key": key["AccessKeyId"], "secret_key": \#
        key["SecretAccessKey"]}), flush=True)
        # Live until the parent closes our stdin (or dies).
        sys.stdin.read()
        os._exit(0)
        """#
}

public struct MotoError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Starts the shared server once per process, however many tests ask at the same time.
actor SharedMoto {
    static let checking = SharedMoto(checkingSignatures: true)
    static let unchecked = SharedMoto(checkingSignatures: false)
    private let checkingSignatures: Bool
    private var starting: Task<MotoServer, any Error>?

    init(checkingSignatures: Bool) { self.checkingSignatures = checkingSignatures }

    func get() async throws -> MotoServer {
        if let starting { return try await starting.value }
        // Starting blocks on the launcher's first line for a few seconds: do it on a thread of its own rather than
        // on the cooperative pool, which has only as many threads as cores.
        let task = Task { [checkingSignatures] in
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<MotoServer, any Error>) in
                Thread.detachNewThread {
                    done.resume(with: Result { try MotoServer.start(checkingSignatures: checkingSignatures) })
                }
            }
        }
        starting = task
        return try await task.value
    }
}
