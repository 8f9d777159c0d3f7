// Split encoding's overhead (issue #15): the same 1080p30 lecture-like clip encoded whole, then as K video
// chunks plus one audio chunk, one after another in this process, then stitched. Prints the chunking overhead:
// the chunks' CPU seconds over the whole encode's (target ≤ 1.05). CPU is this process's user + system time
// (getrusage RUSAGE_SELF, every thread), so the clip's generation by the ffmpeg CLI is not counted.
// Timings on a shared machine are noise: run it on a quiet one (`Benchmarks/run split [seconds] [chunks]`).
// The issue's full benchmark (two workers pinned with taskset) comes with the worker wiring.
import Foundation
import Transcoder

let seconds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 120 : 120
let chunkCount = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 4 : 4
let work = NSTemporaryDirectory() + "lectern-split-bench"
try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

/// A screen-recorded lecture: a still slide, the speaker's camera in a small window, a tone.
func clip() -> String {
    let source = work + "/lecture-1080p30-\(seconds)s.mp4"
    if FileManager.default.fileExists(atPath: source) { return source }
    print("Generating a \(seconds) s 1080p30 lecture clip…")
    let filter =
        "[0:v]drawbox=x=160:y=120:w=1600:h=120:color=0x203060:t=fill,"
        + "drawbox=x=160:y=320:w=1100:h=24:color=0x404040:t=fill[slide];"
        + "[1:v]scale=384:216[pip];[slide][pip]overlay=x=1496:y=824[v]"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
    process.arguments = [
        "-nostdin", "-y", "-v", "error",
        "-f", "lavfi", "-i", "color=c=0xf4f4f0:s=1920x1080:r=30:d=\(seconds)",
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=\(seconds)",
        "-f", "lavfi", "-i", "sine=f=220:d=\(seconds):sample_rate=48000",
        "-filter_complex", filter, "-map", "[v]", "-map", "2:a",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-ac", "2", source,
    ]
    try! process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fatalError("could not generate the clip") }
    return source
}

func timed(_ label: String, _ body: () async throws -> Void) async rethrows -> Double {
    let before = cpuSeconds()
    let start = Date()
    try await body()
    let cpu = cpuSeconds() - before
    let padded = label.padding(toLength: 16, withPad: " ", startingAt: 0)
    print(padded + String(format: "%8.1f s CPU %8.1f s wall", cpu, Date().timeIntervalSince(start)))
    return cpu
}

let source = clip()
var plan = TranscodePlan()
// The chunks run with one x264 thread per rung (SplitLayout.videoPlan, for bit-reproducible re-runs); the whole
// encode gets the same so the ratio measures chunking alone.
plan.encoderThreads = 1
guard
    case .splittable(let layout) = try SplitProbe.examine(
        input: source,
        plan: plan,
        chunkSeconds: (seconds + chunkCount - 1) / chunkCount
    )
else { fatalError("the clip should be splittable") }
print("\(layout.chunks.count) video chunks: \(layout.chunks.map { "\($0.start)–\($0.end.map(String.init) ?? "end")" })")

let whole = try await timed("whole") {
    _ = try await Transcoder().transcode(input: source, outputDirectory: work + "/whole", plan: plan)
}
var chunkDirectories: [String] = []
var chunks = 0.0
for index in layout.chunks.indices {
    let directory = work + "/chunk-\(index)"
    chunkDirectories.append(directory)
    chunks += try await timed("video chunk \(index + 1)") {
        _ = try await Transcoder().transcode(
            input: source,
            outputDirectory: directory,
            plan: layout.videoPlan(index, base: plan)
        )
    }
}
chunks += try await timed("audio chunk") {
    _ = try await Transcoder().transcode(
        input: source,
        outputDirectory: work + "/audio",
        plan: layout.audioPlan(base: plan)
    )
}
chunks += try await timed("stitch") {
    _ = try ChunkStitcher(
        videoChunks: chunkDirectories,
        audioChunk: work + "/audio",
        outputDirectory: work + "/stitched"
    )
    .stitch()
}
// The whole encode also writes the MP4 download, which the chunks do not yet (its remux is next): the ratio
// slightly flatters the chunks until then.
print(
    String(
        format: "chunking overhead: %.3f (chunks %.1f s / whole %.1f s CPU; target ≤ 1.05)",
        chunks / whole,
        chunks,
        whole
    )
)
