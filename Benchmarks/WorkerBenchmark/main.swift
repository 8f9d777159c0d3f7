// A batch of short lecture-like clips through 1 and then 2 `lectern-worker` release processes against moto.
// Usage: WorkerBenchmark [clips=10] [--width 1280 --height 720] [--min-seconds 10 --max-seconds 20] [--workers 1,2]
// Prints jobs per hour, receive-to-claim p50/p95 and each worker's share of wall time spent outside the transcode,
// side by side with the ratio, and the load average. Numbers come from the workers' own "published" JSON log lines
// (per-job stage timings) and are cross-checked against their Prometheus metrics (METRICS_PORT).
import AWS
import Foundation
import LecternCore
import LecternTestSupport

// MARK: Arguments

struct Options: Sendable {
    var clipCount = 10
    var width = 1280, height = 720
    var minSeconds = 10, maxSeconds = 20
    var workerCounts = [1, 2]

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var arguments = arguments[...]
        while let argument = arguments.popFirst() {
            switch argument {
            case "--width": options.width = Int(arguments.popFirst() ?? "") ?? options.width
            case "--height": options.height = Int(arguments.popFirst() ?? "") ?? options.height
            case "--min-seconds": options.minSeconds = Int(arguments.popFirst() ?? "") ?? options.minSeconds
            case "--max-seconds": options.maxSeconds = Int(arguments.popFirst() ?? "") ?? options.maxSeconds
            case "--workers":
                options.workerCounts = (arguments.popFirst() ?? "").split(separator: ",").compactMap { Int($0) }
            default: options.clipCount = Int(argument) ?? options.clipCount
            }
        }
        return options
    }
}
let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let (clipCount, width, height, minSeconds, maxSeconds, workerCounts) =
    (options.clipCount, options.width, options.height, options.minSeconds, options.maxSeconds, options.workerCounts)

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(
        separator: " "
    )
}

// LECTERN_WORKER_BINARY overrides the release binary (e.g. to try the benchmark itself against a debug build).
let workerBinary =
    ProcessInfo.processInfo.environment["LECTERN_WORKER_BINARY"]
    ?? BuiltProducts.repositoryRoot.appendingPathComponent(".build/release/lectern-worker").path
guard FileManager.default.isExecutableFile(atPath: workerBinary) else {
    print("build it first: swift build -c release --product lectern-worker (Benchmarks/run worker does)")
    exit(1)
}

// MARK: Clips (ffmpeg CLI), made once and kept between runs

let work = NSTemporaryDirectory() + "lectern-worker-bench"
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

/// Runs a command to completion without a pipe (output to a file), answering its status and stderr.
func runCommand(_ arguments: [String]) async throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let errorPath = work + "/command-\(UUID().uuidString).log"
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errorPath) }
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
    process.standardOutput = FileHandle.nullDevice
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        process.terminationHandler = { _ in done.resume() }
        do { try process.run() } catch {
            process.terminationHandler = nil
            done.resume()
        }
    }
    return (process.terminationStatus, (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
}

/// A slide-like moving test pattern with a tone, `seconds` long; the pattern differs per clip.
func makeClip(_ index: Int, seconds: Int) async throws -> String {
    let path = work + "/clip-\(width)x\(height)-\(seconds)s-\(index).mp4"
    if FileManager.default.fileExists(atPath: path) { return path }
    let result = try await runCommand([
        "ffmpeg", "-y", "-v", "error", "-nostdin",
        "-f", "lavfi", "-i", "testsrc2=s=\(width)x\(height):r=30:d=\(seconds)",
        "-f", "lavfi", "-i", "sine=f=\(220 + 40 * index):d=\(seconds):sample_rate=48000",
        "-vf", "hue=h=\(index * 36)", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
        "-c:a", "aac", "-ac", "2", "-shortest", "-movflags", "+faststart", path + ".tmp.mp4",
    ])
    guard result.status == 0 else { throw BenchmarkFailure("ffmpeg failed: \(result.stderr)") }
    _ = rename(path + ".tmp.mp4", path)
    return path
}

print(
    """
    WorkerBenchmark: \(clipCount) clips of \(minSeconds)–\(maxSeconds) s at \(width)x\(height), \
    workers \(workerCounts)
    """
)
struct Clip: Sendable {
    let path: String
    let seconds: Int
}
var madeClips: [Clip] = []
for index in 0..<clipCount {
    let seconds = clipCount > 1 ? minSeconds + (maxSeconds - minSeconds) * index / (clipCount - 1) : minSeconds
    madeClips.append(Clip(path: try await makeClip(index, seconds: seconds), seconds: seconds))
}
let clips = madeClips

// MARK: moto with the deployment's resources

let moto = try MotoServer.start()
let resources = try await MotoLectureStack.create(on: moto, prefix: "bench-lectures")
let (s3, sqs, store, bucket) = (resources.s3, resources.sqs, resources.store, resources.bucket)
let dlq = try await sqs.createQueue(named: MotoServer.uniqueName("bench-jobs-dlq"))
var queueSettings = SQSQueueSettings(visibilityTimeout: 120)
queueSettings.redrivePolicy = SQSRedrivePolicy(deadLetterTargetArn: try await sqs.queueArn(dlq), maxReceiveCount: 3)

/// A fresh queue per run: moto keeps serving a long poll for its full 20 s after the worker that made it stopped
/// and hung up, so a previous run's last poll could swallow one of this run's messages.
func makeQueue() async throws -> String {
    try await sqs.createQueue(named: MotoServer.uniqueName("bench-jobs"), settings: queueSettings)
}

// MARK: Worker processes

final class WorkerProcess {
    let process = Process()
    let logPath: String

    init(index: Int, run: Int, queueURL: String) throws {
        logPath = work + "/worker-run\(run)-\(index).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: workerBinary)
        var environment = ProcessInfo.processInfo.environment.merging(resources.environment(queueURL: queueURL)) { $1 }
        environment["LECTERN_SCRATCH_DIR"] = work + "/scratch"
        environment["LECTERN_WORKER_ID"] = "bench-\(run)-\(index)"
        environment["METRICS_PORT"] = "0"
        environment.removeValue(forKey: "LECTERN_WORKER_CONCURRENCY")
        process.environment = environment
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = log
        process.standardOutput = log
        try process.run()
    }

    /// The worker's JSON log lines, parsed.
    var lines: [[String: String]] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
    }

    func stop() async {
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
    }
}

struct JobLine {
    let publishedAt: Date
    let receiveToClaim, download, transcode, upload, publish, delete, job: Double
}

func parseTime(_ text: String?) -> Date? {
    text.flatMap { try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0) }
}

func jobLines(_ lines: [[String: String]]) -> [JobLine] {
    lines.filter { $0["message"] == "published" }.compactMap { line in
        func value(_ key: String) -> Double { Double(line[key] ?? "") ?? 0 }
        guard let time = parseTime(line["time"]) else { return nil }
        return JobLine(
            publishedAt: time,
            receiveToClaim: value("receiveToClaimSeconds"),
            download: value("downloadSeconds"),
            transcode: value("transcodeSeconds"),
            upload: value("uploadSeconds"),
            publish: value("publishSeconds"),
            delete: value("deleteSeconds"),
            job: value("jobSeconds")
        )
    }
}

/// A labelled or unlabelled sample's value in Prometheus text.
func metric(_ text: String, _ name: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
        return Double(line.dropFirst(name.count + 1))
    }
    return nil
}

func scrape(port: Int) async -> String {
    guard
        let response = try? await CurlTransport().execute(
            HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        )
    else { return "" }
    return String(decoding: response.body, as: UTF8.self)
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let rank = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[rank]
}

struct WorkerResult {
    let id: String
    let jobs: Int
    let wall: Double
    let transcode: Double
    var outside: Double { wall > 0 ? 1 - transcode / wall : .nan }
    /// Outside-transcode seconds by where they went.
    let claim, download, upload, publish, delete: Double
    var gaps: Double { wall - transcode - claim - download - upload - publish - delete }
    let metricsEncodeSum: Double?
}

struct RunResult {
    let workers: Int
    let batchWall: Double
    let receiveToClaim: [Double]
    let perWorker: [WorkerResult]
    let loadBefore: String
    let loadAfter: String
    var jobsPerHour: Double { Double(perWorker.map(\.jobs).reduce(0, +)) / batchWall * 3_600 }
}

func runBatch(workers count: Int, run: Int) async throws -> RunResult {
    // Records in `queued` and sources uploaded first, as the API leaves them once an upload completes.
    var messages: [JobMessage] = []
    for clip in clips {
        let size = (try FileManager.default.attributesOfItem(atPath: clip.path)[.size] as? Int) ?? 0
        let (id, version) = try await resources.createQueuedLecture(
            course: "BENCH101",
            owner: "prof-bench",
            title: "Bench \(clip.seconds) s",
            filename: "bench.mp4",
            sizeBytes: Int64(size)
        )
        let sourceKey = ObjectKeys.source(lectureID: id)
        try await s3.uploadFile(path: clip.path, bucket: bucket, key: sourceKey)
        messages.append(JobMessage(lectureID: id, sourceKey: sourceKey, outputVersion: version))
    }

    // Workers up and long-polling before the batch starts, so their start-up is not counted.
    let queueURL = try await makeQueue()
    let processes = try (0..<count).map { try WorkerProcess(index: $0, run: run, queueURL: queueURL) }
    let startDeadline = Date().addingTimeInterval(60)
    while processes.contains(where: { process in !process.lines.contains { $0["message"] == "worker started" } }),
        Date() < startDeadline
    {
        try await Task.sleep(for: .milliseconds(100))
    }
    try await Task.sleep(for: .milliseconds(500))
    let loadBefore = loadAverage()

    let started = Date()
    for message in messages { try await sqs.sendMessage(queueURL, body: message.encoded()) }
    let deadline = started.addingTimeInterval(3_600)
    var done: [JobLine] = []
    while Date() < deadline {
        done = processes.flatMap { jobLines($0.lines) }
        if done.count >= messages.count { break }
        if processes.contains(where: { !$0.process.isRunning }) {
            throw BenchmarkFailure("a worker exited early; logs in \(work)")
        }
        try await Task.sleep(for: .milliseconds(250))
    }
    guard done.count >= messages.count else { throw BenchmarkFailure("batch did not finish in an hour") }
    let loadAfter = loadAverage()
    let finished = done.map(\.publishedAt).max() ?? Date()

    var perWorker: [WorkerResult] = []
    var receiveToClaim: [Double] = []
    for process in processes {
        let lines = process.lines
        let jobs = jobLines(lines)
        receiveToClaim += jobs.map(\.receiveToClaim)
        let port = lines.first { $0["message"] == "metrics listening" }.flatMap { $0["port"] }.flatMap { Int($0) }
        var metrics = ""
        if let port { metrics = await scrape(port: port) }
        let wall = (jobs.map(\.publishedAt).max() ?? started).timeIntervalSince(started)
        func sum(_ key: KeyPath<JobLine, Double>) -> Double { jobs.map { $0[keyPath: key] }.reduce(0, +) }
        perWorker.append(
            WorkerResult(
                id: lines.first { $0["workerId"] != nil }?["workerId"] ?? "worker",
                jobs: jobs.count,
                wall: wall,
                transcode: sum(\.transcode),
                claim: sum(\.receiveToClaim),
                download: sum(\.download),
                upload: sum(\.upload),
                publish: sum(\.publish),
                delete: sum(\.delete),
                metricsEncodeSum: metric(metrics, "lectern_worker_encode_seconds_sum")
            )
        )
    }
    for process in processes { await process.stop() }
    return RunResult(
        workers: count,
        batchWall: finished.timeIntervalSince(started),
        receiveToClaim: receiveToClaim,
        perWorker: perWorker,
        loadBefore: loadBefore,
        loadAfter: loadAfter
    )
}

var runs: [RunResult] = []
for (run, count) in workerCounts.enumerated() {
    print("running the batch through \(count) worker process(es)…")
    runs.append(try await runBatch(workers: count, run: run))
}
let results = runs

// MARK: Report

func format(_ value: Double, _ digits: Int = 2) -> String {
    value.isFinite ? String(format: "%.\(digits)f", value) : "-"
}
func row(_ name: String, _ values: [String]) {
    print(
        name.padding(toLength: 34, withPad: " ", startingAt: 0)
            + values.map { $0.padding(toLength: 19, withPad: " ", startingAt: 0) }.joined()
    )
}
print("")
row("", results.map { "\($0.workers) worker\($0.workers == 1 ? "" : "s")" } + (results.count == 2 ? ["ratio"] : []))
func ratioRow(_ name: String, _ value: (RunResult) -> Double, digits: Int = 2) {
    let values = results.map(value)
    var cells = values.map { format($0, digits) }
    if values.count == 2 { cells.append(format(values[1] / values[0]) + "×") }
    row(name, cells)
}
ratioRow("jobs per hour", \.jobsPerHour, digits: 1)
ratioRow("batch wall (s)", \.batchWall)
ratioRow("receive→claim p50 (ms)", { percentile($0.receiveToClaim, 0.5) * 1_000 }, digits: 1)
ratioRow("receive→claim p95 (ms)", { percentile($0.receiveToClaim, 0.95) * 1_000 }, digits: 1)
row(
    "outside transcode, per worker",
    results.map { $0.perWorker.map { format($0.outside * 100, 1) + "%" }.joined(separator: " / ") }
)
row("jobs, per worker", results.map { $0.perWorker.map { "\($0.jobs)" }.joined(separator: " / ") })
row("load avg before", results.map(\.loadBefore))
row("load avg after", results.map(\.loadAfter))
print("")
print("Where each worker's time outside the transcode went (seconds over the batch):")
for result in results {
    for worker in result.perWorker {
        let check = worker.metricsEncodeSum.map { " (metrics encode sum \(format($0)))" } ?? ""
        print(
            """
              \(result.workers)w \(worker.id): wall \(format(worker.wall)), \
            transcode \(format(worker.transcode))\(check); claim \(format(worker.claim)), \
            download \(format(worker.download)), upload \(format(worker.upload)), \
            publish \(format(worker.publish)), delete \(format(worker.delete)), between jobs \(format(worker.gaps))
            """
        )
    }
}
print("target: outside-transcode share ≤ 5 % per worker")
