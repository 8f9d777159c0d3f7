// lectern-api against the Python stack it replaces and against its own server's ceiling, in one run on one
// machine: `Benchmarks/run api` (release build). Starts moto, seeds a lecture with an open multipart upload, then,
// one after the other: (a) the release `lectern-api` binary on its own HTTP/1.1 engine (`HTTP1Server`, the
// default; the API has no other engine since issue #18, so the old (a′) row, the binary on FlyingFox, is gone), (b)
// Flask + boto3 under gunicorn doing the same work (Benchmarks/api_peer/app.py), (c) a bare
// FlyingFox route answering a constant through the same TCP_NODELAY socket pool (the issue's ceiling row), (d) a
// bare constant route on our engine (the ceiling of the server lectern-api now runs). wrk loads each at 64
// connections for GET /v1/lectures/{id} and the 10-part URL batch; every request carries a ~300-byte bearer token.
//
// Options: --seconds N (per run, default 10), --connections N (64), --gunicorn-workers N (5),
// --gunicorn-class sync|gthread (gthread), --gunicorn-threads N (8), --record-cache LIST (default "0,1": one round
// per value; 0: both sides read DynamoDB on every request; 1: both keep records up to 1 s, per process),
// --skip-flyingfox-api (leave out row a′), --api-binary PATH (another lectern-api build, e.g. an older commit's,
// through the same harness), --cpu-per-request N (only lectern-api: its CPU time per GET request over N seconds of
// load, five rounds; see CPUPerRequest.swift).
import AWS
import Foundation
import LecternAPI
import LecternCore
import LecternTestSupport

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var seconds = 10
    var connections = 64
    var gunicornWorkers = 5
    var gunicornClass = "gthread"
    var gunicornThreads = 8
    /// One full round (all three servers) per value.
    var recordCacheSeconds: [Double] = [0, 1]
    var apiBinary: String?
    /// Seconds of GET load per round of `--cpu-per-request`; nil: the ordinary throughput rounds.
    var cpuPerRequestSeconds: Int?

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            // The (a′) row it skipped is gone (one engine since issue #18); accepted so old command lines still run.
            if flag == "--skip-flyingfox-api" { continue }
            let value = rest.popFirst() ?? ""
            switch flag {
            case "--seconds": seconds = Int(value) ?? seconds
            case "--connections": connections = Int(value) ?? connections
            case "--gunicorn-workers": gunicornWorkers = Int(value) ?? gunicornWorkers
            case "--gunicorn-class": gunicornClass = value
            case "--gunicorn-threads": gunicornThreads = Int(value) ?? gunicornThreads
            case "--record-cache": recordCacheSeconds = value.split(separator: ",").compactMap { Double($0) }
            case "--api-binary": apiBinary = value
            case "--cpu-per-request": cpuPerRequestSeconds = Int(value)
            default:
                FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8))
                exit(2)
            }
        }
    }
}

struct Endpoint {
    var name: String
    var method: String
    var path: String
    var body: String?
}

struct Measured {
    var cache: Double
    var server: String
    var endpoint: String
    var result: WrkResult
    var loadBefore: String
    var loadAfter: String
}

let options = Options(CommandLine.arguments)
let root = BuiltProducts.repositoryRoot
let apiBinary = options.apiBinary ?? root.appendingPathComponent(".build/release/lectern-api").path
guard FileManager.default.isExecutableFile(atPath: apiBinary) else {
    print("build it first: swift build -c release --product APIBenchmark --product lectern-api")
    exit(2)
}
let transport = CurlTransport()
let secret = "lectern-benchmark-secret-0123456789abcdef"
let course = "CS101"

print(
    "API benchmark: \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(loadAverage()) at the start"
)
print("wrk: \(options.connections) connections, 2 threads, \(options.seconds) s per run after a 2 s warm-up")

// MARK: moto and the seeded lecture

// Signature checks off: they cost moto (the shared bottleneck) the same for every peer and measure nothing of ours.
let moto = try MotoServer.start(checkingSignatures: false)
let context = moto.context(transport: transport)
let table = MotoServer.uniqueName("bench-lectures"), bucket = MotoServer.uniqueName("bench-media"),
    queue = MotoServer.uniqueName("bench-jobs")
let store = LectureStore(dynamo: DynamoDBClient(context: context), table: table)
try await store.ensureTable()
try await S3Client(context: context).createBucket(bucket)
let queueURL = try await SQSClient(context: context).createQueue(named: queue)
let config = APIConfig(lecturesTable: table, bucket: bucket, queue: queue, keySource: .sharedSecret(secret))
let seeder = APIApplication(
    config: config,
    services: APIServices(
        store: store,
        s3: S3Client(context: context),
        sqs: SQSClient(context: context),
        bucket: bucket,
        queueURL: queueURL
    ),
    authenticator: try await Authenticator(source: .sharedSecret(secret), issuer: nil, audience: nil)
)
// Many professors of the course, one token each, rotated per request: the API rate-limits writes per user.
func mintTokens() async throws -> [String] {
    var tokens: [String] = []
    for index in 0..<64 {
        tokens.append(
            try await DevTokens.mint(
                secret: secret,
                role: .professor,
                user: "professor-\(index)",
                courses: [course],
                expiresIn: 3_600
            )
        )
    }
    return tokens
}
let tokens = try await mintTokens()
let create = await seeder.respond(
    to: APIRequest(
        method: "POST",
        path: "/v1/lectures",
        headers: ["Authorization": "Bearer \(tokens[0])", "Content-Type": "application/json"],
        body: APIJSON.encode(
            CreateLectureRequest(
                title: "Benchmark lecture",
                course: course,
                filename: "week1.mp4",
                size: 4_000_000_000,
                contentType: "video/mp4"
            )
        )
    )
)
guard create.status == 201 else {
    fatalError("seeding failed: \(create.status) \(String(decoding: create.body, as: UTF8.self))")
}
let decoder = JSONDecoder()
decoder.dateDecodingStrategy = .iso8601
let created = try decoder.decode(CreateLectureResponse.self, from: create.body)
let lectureID = created.lecture.id
print("seeded \(lectureID): multipart, \(created.upload.partCount ?? 0) parts of \(created.upload.partSize ?? 0) bytes")

let endpoints = [
    Endpoint(name: "GET /v1/lectures/{id}", method: "GET", path: "/v1/lectures/\(lectureID)"),
    Endpoint(
        name: "POST …/upload/parts (10)",
        method: "POST",
        path: "/v1/lectures/\(lectureID)/upload/parts",
        body: #"{"partNumbers":[1,2,3,4,5,6,7,8,9,10]}"#
    ),
]

/// A wrk script rotating through the tokens, one per request.
func script(_ endpoint: Endpoint) -> String {
    var lines = [
        "local tokens = {" + tokens.map { "\"\($0)\"" }.joined(separator: ",") + "}", "local n = 0",
        "wrk.method = \"\(endpoint.method)\"", "wrk.path = \"\(endpoint.path)\"",
    ]
    if let body = endpoint.body {
        lines += ["wrk.body = [[\(body)]]", "wrk.headers[\"Content-Type\"] = \"application/json\""]
    }
    lines += [
        "request = function()", "  n = n % #tokens + 1",
        "  wrk.headers[\"Authorization\"] = \"Bearer \" .. tokens[n]", "  return wrk.format()", "end",
    ]
    return lines.joined(separator: "\n") + "\n"
}

/// One request per endpoint, checked, before any load: every peer must answer the same thing.
func check(_ base: String) async throws -> [Data] {
    var bodies: [Data] = []
    for endpoint in endpoints {
        var headers = HTTPHeaders()
        headers["Authorization"] = "Bearer \(tokens[1])"
        if endpoint.body != nil { headers["Content-Type"] = "application/json" }
        let response = try await transport.execute(
            HTTPRequest(
                method: endpoint.method,
                url: URL(string: base + endpoint.path)!,
                headers: headers,
                body: endpoint.body.map { .data(Data($0.utf8)) } ?? .empty
            )
        )
        guard response.status == 200 else {
            throw Wrk.Failure(
                description:
                    """
                    \(base) \(endpoint.name) answered \(response.status): \
                    \(String(decoding: response.body, as: UTF8.self))
                    """
            )
        }
        if endpoint.method == "GET" {
            let view = try decoder.decode(LectureView.self, from: response.body)
            guard view.id == lectureID, view.state == "awaiting_upload" else {
                throw Wrk.Failure(description: "\(base): wrong lecture view")
            }
        } else {
            let parts = try decoder.decode(PartURLsResponse.self, from: response.body)
            guard parts.parts.map(\.partNumber) == Array(1...10),
                parts.parts.allSatisfy({
                    $0.url.absoluteString.contains("uploadId=") && $0.url.absoluteString.contains("X-Amz-Signature=")
                })
            else { throw Wrk.Failure(description: "\(base): wrong part URLs") }
        }
        bodies.append(response.body)
    }
    return bodies
}

func waitUntilHealthy(_ base: String, _ child: ChildProcess?) async throws {
    for _ in 0..<300 {
        if let answer = try? await transport.execute(HTTPRequest(method: "GET", url: URL(string: base + "/healthz")!)),
            answer.status == 200
        {
            return
        }
        if let child, !child.process.isRunning { break }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw Wrk.Failure(description: "\(base) never answered /healthz\n\(child?.logText.suffix(3000) ?? "")")
}

func load(_ server: String, base: String, cache: Double) async throws -> [Measured] {
    var measured: [Measured] = []
    for endpoint in endpoints {
        _ = try await Wrk.run(url: base, script: script(endpoint), connections: options.connections, seconds: 2)
        let before = loadAverage()
        let result = try await Wrk.run(
            url: base,
            script: script(endpoint),
            connections: options.connections,
            seconds: options.seconds
        )
        measured.append(
            Measured(
                cache: cache,
                server: server,
                endpoint: endpoint.name,
                result: result,
                loadBefore: before,
                loadAfter: loadAverage()
            )
        )
        print(
            "  " + server.padding(toLength: 16, withPad: " ", startingAt: 0) + " "
                + endpoint.name.padding(toLength: 26, withPad: " ", startingAt: 0)
                + String(
                    format: " %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  non-2xx %d  socket errors %d",
                    result.requestsPerSecond,
                    result.p50Milliseconds,
                    result.p99Milliseconds,
                    result.non2xx,
                    result.socketErrors
                )
                + "  load \(before) → \(loadAverage())"
        )
        fflush(nil)  // progress shows as it happens when the output goes to a file or a pipe
    }
    return measured
}

func freePort() throws -> UInt16 { try LoopbackPort.free() }

if let seconds = options.cpuPerRequestSeconds {
    var environment = moto.environment
    environment.merge([
        "LECTERN_LECTURES_TABLE": table, "LECTERN_BUCKET": bucket, "LECTERN_QUEUE_URL": queue,
        "LECTERN_JWT_SECRET": secret, "LECTERN_RECORD_CACHE_SECONDS": "1", "LECTERN_WRITES_PER_MINUTE": "100000",
        "PORT": String(try freePort()), "METRICS_PORT": "0",
    ]) { _, new in new }
    try await CPUPerRequest.measure(
        binary: apiBinary,
        environment: environment,
        seconds: seconds,
        rounds: 5,
        script: script(endpoints[0]),
        check: { base in _ = try await check(base) }
    )
    exit(0)
}

var results: [Measured] = []
var apiBodies: [Data] = []

for cache in options.recordCacheSeconds {
    print(
        """
        \n== record cache \
        \(cache > 0 ? "\(cache) s on both sides (per process)" : "off: every request reads DynamoDB") ==
        """
    )
    var environment = moto.environment
    environment.merge([
        "LECTERN_LECTURES_TABLE": table, "LECTERN_BUCKET": bucket, "LECTERN_QUEUE_URL": queue,
        "LECTERN_JWT_SECRET": secret, "LECTERN_RECORD_CACHE_SECONDS": String(cache),
        "LECTERN_WRITES_PER_MINUTE": "100000",
    ]) { _, new in new }

    // (a) lectern-api, release build, on its own engine (its only one)
    do {
        let port = try freePort()
        var env = environment
        env["PORT"] = String(port)
        env["METRICS_PORT"] = "0"
        let child = try ChildProcess(name: "lectern-api", executable: apiBinary, arguments: [], environment: env)
        let base = "http://127.0.0.1:\(port)"
        try await waitUntilHealthy(base, child)
        let bodies = try await check(base)
        apiBodies = bodies
        print("lectern-api (release, HTTP1Server):")
        results += try await load("lectern-api", base: base, cache: cache)
        await child.stop()
    }

    // (b) Flask + boto3 under gunicorn
    do {
        let port = try freePort()
        var arguments = [
            "-m", "gunicorn", "--workers", String(options.gunicornWorkers), "--worker-class", options.gunicornClass,
            "--bind", "127.0.0.1:\(port)", "--log-level", "warning", "--chdir",
            root.appendingPathComponent("Benchmarks/api_peer").path,
        ]
        if options.gunicornClass == "gthread" { arguments += ["--threads", String(options.gunicornThreads)] }
        let child = try ChildProcess(
            name: "gunicorn",
            executable: "/usr/bin/env",
            arguments: ["python3"] + arguments + ["app:app"],
            environment: environment
        )
        let base = "http://127.0.0.1:\(port)"
        try await waitUntilHealthy(base, child)
        _ = try await check(base)
        let shape =
            options.gunicornClass == "gthread"
            ? "\(options.gunicornWorkers) gthread workers × \(options.gunicornThreads) threads"
            : "\(options.gunicornWorkers) sync workers"
        print("Flask + boto3 under gunicorn (\(shape)):")
        results += try await load("Flask/gunicorn", base: base, cache: cache)
        await child.stop()
    }

    // (c) bare FlyingFox, same socket pool, constant answers (lectern-api's own bytes)
    do {
        let (server, port, task) = try await startBareServer(getBody: apiBodies[0], postBody: apiBodies[1])
        print("bare FlyingFox (NoDelaySocketPool, constant body):")
        results += try await load("bare FlyingFox", base: "http://127.0.0.1:\(port)", cache: cache)
        await server.stop(timeout: 2)
        task.cancel()
    }

    // (d) bare HTTP1Server, constant answers (the same bytes)
    do {
        let (server, port, task) = try await startBareEngine(getBody: apiBodies[0], postBody: apiBodies[1])
        print("bare HTTP1Server (constant body):")
        results += try await load("bare HTTP1Server", base: "http://127.0.0.1:\(port)", cache: cache)
        await server.stop(timeout: .seconds(2))
        task.cancel()
    }
}

// MARK: summary

print("\n| record cache | endpoint | server | req/s | p50 ms | p99 ms | non-2xx | load before → after |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | --- |")
for row in results {
    print(
        "| \(row.cache > 0 ? "\(row.cache) s" : "off") | \(row.endpoint) | \(row.server) | "
            + String(
                format: "%.0f | %.2f | %.2f | %d |",
                row.result.requestsPerSecond,
                row.result.p50Milliseconds,
                row.result.p99Milliseconds,
                row.result.non2xx
            ) + " \(row.loadBefore) → \(row.loadAfter) |"
    )
}
print("")
for cache in options.recordCacheSeconds {
    for endpoint in endpoints {
        func row(_ server: String) -> Measured? {
            results.first { $0.cache == cache && $0.server == server && $0.endpoint == endpoint.name }
        }
        func rate(_ server: String) -> Double { row(server)?.result.requestsPerSecond ?? .nan }
        let api = rate("lectern-api"), p99 = row("lectern-api")?.result.p99Milliseconds ?? .nan
        print(
            "cache \(cache > 0 ? "\(cache) s" : "off"), \(endpoint.name)"
                + String(
                    format:
                        """
                        : lectern-api %.2f× Flask (target ≥ 4×), %.2f× bare FlyingFox (target ≥ 0.8×), \
                        %.2f× bare HTTP1Server, p99 %.2f ms (target ≤ 10 ms)
                        """,
                    api / rate("Flask/gunicorn"),
                    api / rate("bare FlyingFox"),
                    api / rate("bare HTTP1Server"),
                    p99
                )
                + String(
                    format: "; engine alone: bare HTTP1Server %.2f× bare FlyingFox",
                    rate("bare HTTP1Server") / rate("bare FlyingFox")
                )
        )
    }
}
print("load average at the end: \(loadAverage())")
