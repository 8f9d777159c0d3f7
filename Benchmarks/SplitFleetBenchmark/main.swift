// Time-to-ready of one long lecture on the worker fleet (issue #15), `lectern-worker` release processes against
// moto, each pinned to one core with `taskset`, in one run:
//   (a) one worker, the single-job path (splitting off);
//   (b) one worker, split into parts (the same CPU, spent as parts + stitch: the chunking overhead);
//   (c) two workers, one core each, split (the speedup a split buys on this 2-core machine).
// Usage: SplitFleetBenchmark [--seconds 1200] [--width 1920 --height 1080] [--chunk-seconds 180] [--runs a,b,c]
// Prints time-to-ready, time-to-first-playable, the workers' CPU seconds (utime + stime from /proc, the processes
// do all their work in-process), b/a CPU (target ≤ 1.05) and a/c wall (target ≥ 1.8), and the load average.
import AWS
import Foundation
import LecternCore
import LecternTestSupport

struct Options: Sendable {
    var seconds = 1_200
    var width = 1920, height = 1080
    var chunkSeconds = 180
    var runs = ["a", "b", "c"]

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var arguments = arguments[...]
        while let argument = arguments.popFirst() {
            let value = arguments.first
            switch argument {
            case "--seconds": options.seconds = Int(value ?? "") ?? options.seconds
            case "--width": options.width = Int(value ?? "") ?? options.width
            case "--height": options.height = Int(value ?? "") ?? options.height
            case "--chunk-seconds": options.chunkSeconds = Int(value ?? "") ?? options.chunkSeconds
            case "--runs": options.runs = (value ?? "").split(separator: ",").map(String.init)
            default: continue
            }
            arguments = arguments.dropFirst()
        }
        return options
    }
}
let options = Options.parse(Array(CommandLine.arguments.dropFirst()))

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3)
        .joined(separator: " ")
}

let workerBinary =
    ProcessInfo.processInfo.environment["LECTERN_WORKER_BINARY"]
    ?? BuiltProducts.repositoryRoot.appendingPathComponent(".build/release/lectern-worker").path
guard FileManager.default.isExecutableFile(atPath: workerBinary) else {
    print("build it first: swift build -c release --product lectern-worker (Benchmarks/run split does)")
    exit(1)
}
let cores = ProcessInfo.processInfo.activeProcessorCount
guard cores >= 2 else {
    print("needs 2 cores (run c pins two workers to one core each); this machine has \(cores)")
    exit(1)
}

// MARK: The clip: a lecture-like 1080p recording, made once and kept between runs

let work = NSTemporaryDirectory() + "lectern-split-fleet-bench"
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

/// Slides that change every 45 s behind a presenter-sized moving inset (a camera), with a tone: what the ladder
/// spends its CPU on in a real lecture (a still slide is nearly free, the inset is not).
func makeClip() async throws -> String {
    let (seconds, width, height) = (options.seconds, options.width, options.height)
    let path = work + "/lecture-\(width)x\(height)-\(seconds)s.mp4"
    if FileManager.default.fileExists(atPath: path) { return path }
    let font = "fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    let inset = "[1:v]scale=\(width / 4):\(height / 4)[cam]"
    let slide = "drawtext=\(font):text='Slide %{eif\\:trunc(t/45)+1\\:d}':fontsize=\(height / 12):x=60:y=60"
    let graph = "\(inset);[0:v]\(slide)[bg];[bg][cam]overlay=x=W-w-40:y=H-h-40"
    let result = try await ChildProcess.run(
        "ffmpeg",
        [
            "-y", "-v", "error", "-nostdin",
            "-f", "lavfi", "-i", "color=c=white:s=\(width)x\(height):r=30:d=\(seconds)",
            "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=\(seconds)",
            "-f", "lavfi", "-i", "sine=f=330:d=\(seconds):sample_rate=48000",
            "-filter_complex", graph, "-map", "2:a",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-ac", "2", "-shortest", "-movflags", "+faststart", path + ".tmp.mp4",
        ],
        timeout: .seconds(7_200)
    )
    guard result.status == 0 else { throw BenchmarkFailure("ffmpeg failed: \(result.stderr)") }
    _ = rename(path + ".tmp.mp4", path)
    return path
}

print(
    "SplitFleetBenchmark: one \(options.seconds) s \(options.width)x\(options.height) lecture, "
        + "parts of \(options.chunkSeconds) s, runs \(options.runs.joined(separator: ",")) on \(cores) cores"
)
print("making the clip (kept in \(work))…")
let clip = try await makeClip()

// MARK: moto with the deployment's resources

let moto = try MotoServer.start()
let resources = try await MotoLectureStack.create(on: moto, prefix: "bench-lectures")
let (s3, sqs, store, bucket) = (resources.s3, resources.sqs, resources.store, resources.bucket)

final class WorkerProcess {
    let process = Process()
    let logPath: String

    /// `lectern-worker` under `taskset -c core` (taskset execs it, so the pid is the worker's).
    init(name: String, core: Int, queueURL: String, split: Bool) throws {
        logPath = work + "/worker-\(name).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        process.arguments = ["-c", "\(core)", workerBinary]
        var environment = ProcessInfo.processInfo.environment.merging(resources.environment(queueURL: queueURL)) { $1 }
        environment["LECTERN_SCRATCH_DIR"] = work + "/scratch-\(name)"
        environment["LECTERN_WORKER_ID"] = "bench-\(name)"
        environment["LECTERN_WORKER_CONCURRENCY"] = "1"
        environment["LECTERN_SPLIT_THRESHOLD_SECONDS"] = split ? "60" : "off"
        environment["LECTERN_SPLIT_CHUNK_SECONDS"] = "\(options.chunkSeconds)"
        environment["LECTERN_PROGRESS_INTERVAL_SECONDS"] = "2"
        process.environment = environment
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = log
        process.standardOutput = log
        try process.run()
    }

    var started: Bool {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").contains("\"worker started\"")
    }

    /// User + system CPU seconds so far; NaN once the process is gone.
    var cpuSeconds: Double { processCPUSeconds(process.processIdentifier) ?? .nan }

    func stop() async {
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
    }
}

struct RunResult {
    let name: String
    let workers: Int
    let split: Bool
    let toReady: Double
    let toFirstPlayable: Double?
    let cpu: Double
    let parts: Int
    let loadBefore, loadAfter: String
}

func run(_ name: String, workers: Int, split: Bool) async throws -> RunResult {
    let size = (try FileManager.default.attributesOfItem(atPath: clip)[.size] as? Int) ?? 0
    let (id, version) = try await resources.createQueuedLecture(
        course: "BENCH101",
        owner: "prof-bench",
        title: "Bench \(name)",
        filename: "bench.mp4",
        sizeBytes: Int64(size)
    )
    try await s3.uploadFile(path: clip, bucket: bucket, key: ObjectKeys.source(lectureID: id))
    let queueURL = try await sqs.createQueue(
        named: MotoServer.uniqueName("bench-jobs"),
        settings: SQSQueueSettings(visibilityTimeout: 120)
    )
    let processes = try (0..<workers).map {
        try WorkerProcess(name: "\(name)\($0)", core: $0, queueURL: queueURL, split: split)
    }
    let startDeadline = Date().addingTimeInterval(60)
    while processes.contains(where: { !$0.started }), Date() < startDeadline {
        try await Task.sleep(for: .milliseconds(100))
    }
    let cpuBefore = processes.map(\.cpuSeconds).reduce(0, +)
    let loadBefore = loadAverage()
    let started = ContinuousClock.now
    try await sqs.sendMessage(
        queueURL,
        body: JobMessage(lectureID: id, sourceKey: ObjectKeys.source(lectureID: id), outputVersion: version).encoded()
    )
    var firstPlayable: Double?
    var last: LectureRecord?
    let deadline = started + .seconds(6 * 3_600)
    while ContinuousClock.now < deadline {
        last = try await store.get(id)
        if firstPlayable == nil, last?.split?.playableThrough != nil {
            firstPlayable = (ContinuousClock.now - started).seconds
        }
        if last?.state == .ready || last?.state == .failed { break }
        if processes.contains(where: { !$0.process.isRunning }) {
            throw BenchmarkFailure("a worker exited; logs in \(work)")
        }
        try await Task.sleep(for: .milliseconds(250))
    }
    let toReady = (ContinuousClock.now - started).seconds
    guard let last, last.state == .ready else {
        throw BenchmarkFailure("run \(name) ended \(last?.state.rawValue ?? "nowhere"): \(last?.failureReason ?? "")")
    }
    let cpu = processes.map(\.cpuSeconds).reduce(0, +) - cpuBefore
    let loadAfter = loadAverage()
    for process in processes { await process.stop() }
    return RunResult(
        name: name,
        workers: workers,
        split: split,
        toReady: toReady,
        toFirstPlayable: firstPlayable,
        cpu: cpu,
        parts: last.split?.chunks.count ?? 0,
        loadBefore: loadBefore,
        loadAfter: loadAfter
    )
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

var results: [String: RunResult] = [:]
let plans: [(String, Int, Bool)] = [("a", 1, false), ("b", 1, true), ("c", 2, true)]
for (name, workers, split) in plans where options.runs.contains(name) {
    print("run \(name): \(workers) worker(s), one core each, \(split ? "split" : "single job")…")
    results[name] = try await run(name, workers: workers, split: split)
}

// MARK: Report

func format(_ value: Double?, _ digits: Int = 1) -> String {
    guard let value, value.isFinite else { return "-" }
    return String(format: "%.\(digits)f", value)
}
func row(_ cells: [String]) {
    print(cells.enumerated().map { $1.padding(toLength: $0 == 0 ? 30 : 16, withPad: " ", startingAt: 0) }.joined())
}
let shown = plans.map(\.0).compactMap { results[$0] }
print("")
row(["run"] + shown.map { "(\($0.name)) \($0.workers)w \($0.split ? "split" : "whole")" })
row(["time to ready (s)"] + shown.map { format($0.toReady) })
row(["time to first playable (s)"] + shown.map { format($0.toFirstPlayable ?? $0.toReady) })
row(["worker CPU (s)"] + shown.map { format($0.cpu) })
row(["video parts"] + shown.map { "\($0.parts)" })
row(["load avg before"] + shown.map(\.loadBefore))
row(["load avg after"] + shown.map(\.loadAfter))
if let a = results["a"], let b = results["b"] {
    print("chunking overhead b/a CPU: \(format(b.cpu / a.cpu, 3))× (target ≤ 1.05)")
}
if let a = results["a"], let c = results["c"] {
    print("speedup a/c wall: \(format(a.toReady / c.toReady, 2))× (target ≥ 1.8 on 2 cores)")
}
print("(a single job is playable only when ready; a split one from its sound and first part on)")
