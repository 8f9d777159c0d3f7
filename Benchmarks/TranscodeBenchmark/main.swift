// Lectern vs the ffmpeg CLI on the same 4-rung HLS (fMP4) ladder of a 1080p30 lecture-like clip.
// Usage: TranscodeBenchmark [seconds=60] [x264 threads per rung, 0 = auto] [--rss 60,600] [--lectern-only]
// [--cli-threads same]
//   --rss D1,D2…   only the memory rows: peak RSS of both sides for slide-only clips of these durations (cheap to
//                  generate; memory depends on the picture size and the pipeline, not on the content)
//   --lectern-only skip the CLI and the quality pass (for profiling)
//   --slides       only the slides rows: a 1080p deck with slide detection and OCR off, then on (issue #16)
//   --still-bytes  only the still-slide bytes rows: two 1080p decks (slides-only; slides + camera), Lectern with and
//                  without still pictures left out against the CLI: bytes, IDRs, PSNR / SSIM (issue #16)
//   --cli-threads same  give the CLI Lectern's x264 threads per rung instead of x264's own choice. Off by default:
//                  the CLI runs every encoder call in its one main thread, so single-threaded x264s serialise
//                  there and the comparison would flatter Lectern.
// Both sides run as child processes, measured the same way: CPU from the reaped child's rusage, peak RSS
// from /proc/PID/status VmHWM. LECTERN_STAGE_CPU=1 makes Lectern print each stage thread's CPU seconds;
// LECTERN_FULL_SCALE=1 makes it scale every row of every picture (to measure what changed-rows scaling saves).
//   --hdr hlg|pq   the same clip re-encoded as x265 10-bit BT.2020 HLG or PQ (as phones record): the cost of
//                  tone-mapping to SDR BT.709, Lectern vs the CLI running the same zscale/tonemap chain before its
//                  split (the quality rows are skipped: the reference would be the HDR source itself)
// LECTERN_AUDIO_NORMALISATION=0 turns loudness normalisation off (TranscodePlan.audioNormalisation = nil); the
// "audio stage" rows at the end transcode the clip's sound alone with it on and off (the stage's cost, issue #17).
import Foundation
import Transcoder

var positional: [String] = []
var rssDurations: [Int] = []
var lecternOnly = false
var sameThreadsRequested = false
var hdrRequested: String?
nonisolated(unsafe) var slidesOnly = false
var stillBytesOnly = false
var arguments = CommandLine.arguments.dropFirst()
if arguments.first == "--child-transcode" {
    // The Lectern side, in its own process so its peak RSS is its own.
    let values = Array(arguments.dropFirst())
    do {
        var plan = TranscodePlan(encoderThreads: Int(values[2]) ?? 0)
        plan.scalesChangedRowsOnly = ProcessInfo.processInfo.environment["LECTERN_FULL_SCALE"] != "1"
        if ProcessInfo.processInfo.environment["LECTERN_AUDIO_NORMALISATION"] == "0" { plan.audioNormalisation = nil }
        plan.detectsSlides = ProcessInfo.processInfo.environment["LECTERN_SLIDES"] != "0"
        plan.dropsRepeatedPictures = ProcessInfo.processInfo.environment["LECTERN_DROPS_REPEATS"] != "0"
        if let text = ProcessInfo.processInfo.environment["LECTERN_SPLIT_CHUNK_SECONDS"], let chunkSeconds = Int(text) {
            try await splitTranscode(input: values[0], output: values[1], plan: plan, chunkSeconds: chunkSeconds)
        } else {
            _ = try await Transcoder().transcode(input: values[0], outputDirectory: values[1], plan: plan)
        }
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
}
while let argument = arguments.popFirst() {
    switch argument {
    case "--rss": rssDurations = (arguments.popFirst() ?? "").split(separator: ",").compactMap { Int($0) }
    case "--lectern-only": lecternOnly = true
    case "--cli-threads": sameThreadsRequested = arguments.popFirst() == "same"
    case "--hdr": hdrRequested = arguments.popFirst() == "pq" ? "smpte2084" : "arib-std-b67"
    case "--slides": slidesOnly = true
    case "--still-bytes": stillBytesOnly = true
    default: positional.append(argument)
    }
}
let cliSameThreads = sameThreadsRequested
let hdrTransfer = hdrRequested
let seconds = positional.first.flatMap(Int.init) ?? 60
let threads = positional.dropFirst().first.flatMap(Int.init) ?? 0
let work = NSTemporaryDirectory() + "lectern-transcode-bench"
try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
let plan = TranscodePlan(encoderThreads: threads)

// MARK: Processes and resource usage

struct Usage {
    var wall: Double
    var cpu: Double
    var peakRSSMiB: Double
}

func cpuSeconds(_ who: __rusage_who) -> (cpu: Double, maxRSSKiB: Int) {
    var usage = rusage()
    getrusage(who.rawValue, &usage)
    let cpu =
        Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(
            usage.ru_stime.tv_usec
        ) / 1e6
    return (cpu, usage.ru_maxrss)
}

/// The child's peak resident set (VmHWM), sampled from /proc while it runs.
final class PeakMemorySampler: @unchecked Sendable {
    private let lock = NSLock()
    private var peakKiB = 0
    var peak: Int { lock.withLock { peakKiB } }

    func sample(pid: Int32) {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Int(line.split(whereSeparator: \.isWhitespace)[1])
        else { return }
        lock.withLock { peakKiB = max(peakKiB, kib) }
    }
}

@discardableResult
func run(_ arguments: [String], quiet: Bool = true, memory: PeakMemorySampler? = nil) -> (status: Int32, stderr: String)
{
    let process = Process()
    process.executableURL = URL(
        fileURLWithPath: arguments[0].hasPrefix("/") ? arguments[0] : "/usr/bin/" + arguments[0]
    )
    process.arguments = Array(arguments.dropFirst())
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try! process.run()
    if let memory {
        let pid = process.processIdentifier
        Thread.detachNewThread {
            while process.isRunning {
                memory.sample(pid: pid)
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
    }
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    if process.terminationStatus != 0 && !quiet { print(text) }
    return (process.terminationStatus, text)
}

func directoryBytes(_ path: String) -> Int {
    let files = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
    return files.reduce(0) { total, file in
        total + (((try? FileManager.default.attributesOfItem(atPath: path + "/" + file))?[.size] as? Int) ?? 0)
    }
}

// MARK: The clip: a static slide, a small moving picture-in-picture and a tone

/// A lecture as a screen recorder makes it: one slide that stays put, the speaker's camera in a small window
/// fixed in a corner (its picture moves, the window does not), a tone. `staticOnly` drops the camera window:
/// the cheap-to-make long input for the memory rows (memory must not depend on content or duration).
func clip(seconds: Int, staticOnly: Bool = false) -> String {
    let source = work + "/lecture-v2-1080p30-\(seconds)s\(staticOnly ? "-slide" : "").mp4"
    if FileManager.default.fileExists(atPath: source) { return source }
    print("Generating \(seconds) s 1080p30 lecture clip\(staticOnly ? " (slide only)" : "")…")
    let slide =
        """
        [0:v]drawbox=x=160:y=120:w=1600:h=120:color=0x203060:t=fill,\
        drawbox=x=160:y=320:w=1100:h=24:color=0x404040:t=fill,\
        drawbox=x=160:y=400:w=1000:h=24:color=0x404040:t=fill,\
        drawbox=x=160:y=480:w=1200:h=24:color=0x404040:t=fill,\
        drawbox=x=160:y=560:w=900:h=24:color=0x404040:t=fill
        """
    let filter =
        staticOnly ? slide + "[v]" : slide + "[slide];[1:v]scale=384:216[pip];[slide][pip]overlay=x=1496:y=824[v]"
    renderLectureClip(filter: filter, seconds: seconds, preset: staticOnly ? "ultrafast" : "veryfast", to: source)
    return source
}

/// Renders a generated lecture to `path` (through a partial file, so an interrupted run leaves no clip behind):
/// input 0 is a light 1080p30 slide background, input 1 a 640×360 `testsrc2` camera picture, input 2 a 220 Hz
/// tone; `filter` (a filter_complex) must produce `[v]` from them.
func renderLectureClip(filter: String, seconds: Int, preset: String, to path: String) {
    let partial = path + ".part.mp4"
    let result = run(
        [
            "ffmpeg", "-nostdin", "-y", "-v", "error",
            "-f", "lavfi", "-i", "color=c=0xf4f4f0:s=1920x1080:r=30:d=\(seconds)",
            "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=\(seconds)",
            "-f", "lavfi", "-i", "sine=f=220:d=\(seconds):sample_rate=48000",
            "-filter_complex", filter, "-map", "[v]", "-map", "2:a",
            "-c:v", "libx264", "-preset", preset, "-crf", "18", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "192k", "-ac", "2", partial,
        ],
        quiet: false
    )
    guard result.status == 0, (try? FileManager.default.moveItem(atPath: partial, toPath: path)) != nil else {
        fatalError("could not generate \((path as NSString).lastPathComponent)")
    }
}

/// Runs a child process and measures it: wall, CPU (user + system of the reaped child) and peak RSS.
func measured(_ arguments: [String]) -> Usage {
    let childBefore = cpuSeconds(RUSAGE_CHILDREN)
    let start = Date()
    let memory = PeakMemorySampler()
    let result = run(arguments, quiet: false, memory: memory)
    if result.status == 0 && !result.stderr.isEmpty { print(result.stderr, terminator: "") }
    let wall = Date().timeIntervalSince(start)
    let childAfter = cpuSeconds(RUSAGE_CHILDREN)
    guard result.status == 0 else { fatalError("\(arguments[0]) failed") }
    return Usage(wall: wall, cpu: childAfter.cpu - childBefore.cpu, peakRSSMiB: Double(memory.peak) / 1024)
}

// MARK: Lectern, in a child process running this same executable

func runLectern(source: String, output: String) -> (usage: Usage, manifest: TranscodeManifest) {
    try? FileManager.default.removeItem(atPath: output)
    let usage = measured([
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0],
        "--child-transcode", source, output, String(threads),
    ])
    guard let data = FileManager.default.contents(atPath: output + "/" + TranscodeManifest.fileName),
        let manifest = try? JSONDecoder().decode(TranscodeManifest.self, from: data)
    else { fatalError("Lectern wrote no manifest") }
    return (usage, manifest)
}

// MARK: ffmpeg CLI: one process, split filter, same preset/caps/GOP, HLS fMP4

/// The CLI's side of Lectern's HDR conversion (`ColourConversion` for an HDR source; keep the two in step).
let cliToneMapping =
    """
    zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=mobius:desat=0,\
    zscale=t=bt709:m=bt709:r=tv,format=yuv420p,
    """

func runCLI(source: String, output: String, rungs: [TranscodeManifest.VideoRendition]) -> Usage {
    try? FileManager.default.removeItem(atPath: output)
    try? FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
    let gop = plan.segmentSeconds * 30
    var graph =
        "[0:v]" + (hdrTransfer == nil ? "" : cliToneMapping) + "split=\(rungs.count)"
        + rungs.indices.map { "[s\($0)]" }.joined() + ";"
    graph += rungs.enumerated().map { index, rung in
        // `scale` without flags: the CLI's default, bicubic, as Lectern uses.
        index == 0 && rung.height == 1080
            ? "[s\(index)]null[v\(index)]" : "[s\(index)]scale=\(rung.width):\(rung.height)[v\(index)]"
    }.joined(separator: ";")
    var cli = ["ffmpeg", "-nostdin", "-y", "-v", "error", "-i", source, "-filter_complex", graph]
    for (index, rung) in rungs.enumerated() {
        cli += [
            "-map", "[v\(index)]", "-c:v:\(index)", "libx264", "-preset:v:\(index)", plan.x264Preset, "-crf:v:\(index)",
            String(plan.crf),
            "-maxrate:v:\(index)", String(rung.maxBitRate), "-bufsize:v:\(index)", String(rung.maxBitRate * 2),
            "-g:v:\(index)", String(gop), "-keyint_min:v:\(index)", String(gop),
            "-x264-params:v:\(index)", "scenecut=0:open-gop=0",
        ]
        if cliSameThreads { cli += ["-threads:v:\(index)", String(lecternThreads(rungs)[index])] }
    }
    cli += [
        "-map", "0:a", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-map_metadata", "-1",
        "-f", "hls", "-hls_time", String(plan.segmentSeconds), "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
        "-master_pl_name", "master.m3u8",
        "-var_stream_map", rungs.indices.map { "v:\($0),agroup:aud" }.joined(separator: " ") + " a:0,agroup:aud",
        "-hls_segment_filename", output + "/%v/segment_%05d.m4s", output + "/%v/playlist.m3u8",
    ]
    return measured(cli)
}

/// The x264 threads Lectern gives each rung (its automatic split, or the count asked for).
func lecternThreads(_ rungs: [TranscodeManifest.VideoRendition]) -> [Int] {
    EncoderThreads.perRung(
        rungs.map { $0.width * $0.height },
        requested: threads,
        cores: ProcessInfo.processInfo.activeProcessorCount
    )
}

func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(
        separator: " "
    )
}

// MARK: Slides rows only (see SlidesRows.swift)

if slidesOnly {
    slidesRows(seconds: seconds)
    exit(0)
}
if stillBytesOnly {
    stillBytesRows(seconds: seconds)
    exit(0)
}

// MARK: Memory rows only

if !rssDurations.isEmpty {
    print("peak RSS by clip length (load average before: \(loadAverage()))")
    print("clip s    lectern MiB   ffmpeg MiB   ratio   lectern wall/cpu s   ffmpeg wall/cpu s")
    for duration in rssDurations {
        let source = clip(seconds: duration, staticOnly: true)
        let ours = runLectern(source: source, output: work + "/lectern-rss")
        let theirs = runCLI(source: source, output: work + "/cli-rss", rungs: ours.manifest.video)
        print(
            String(
                format: "%6d %13.1f %12.1f %7.2f %11.1f / %-7.1f %10.1f / %.1f",
                duration,
                ours.usage.peakRSSMiB,
                theirs.peakRSSMiB,
                ours.usage.peakRSSMiB / theirs.peakRSSMiB,
                ours.usage.wall,
                ours.usage.cpu,
                theirs.wall,
                theirs.cpu
            )
        )
        fflush(nil)  // a long run's finished rows show up even when stdout is a file
    }
    print("(load average after: \(loadAverage()))")
    exit(0)
}

/// The audio stage alone: the clip's sound (its AAC track copied into an .m4a) transcoded with normalisation on
/// (measure into the spill, then encode from it) and off (encode as decoded). The ladder rows above run with it on.
func printAudioStageRows(source: String) {
    let audio = work + "/lecture-audio-\(seconds)s.m4a"
    if !FileManager.default.fileExists(atPath: audio) {
        let result = run(["ffmpeg", "-nostdin", "-y", "-v", "error", "-i", source, "-map", "0:a", "-c", "copy", audio])
        guard result.status == 0 else { fatalError("could not extract the clip's audio") }
    }
    print("")
    print("audio stage (the clip's sound alone)   wall s     cpu s   peak MiB")
    for normalised in [true, false] {
        setenv("LECTERN_AUDIO_NORMALISATION", normalised ? "1" : "0", 1)
        let (usage, manifest) = runLectern(source: audio, output: work + "/lectern-audio")
        let gain = manifest.audio?.loudness.map { String(format: "gain %+.1f dB", $0.gain) } ?? "no gain"
        print(
            (normalised ? "normalisation on  " : "normalisation off ")
                + String(format: "%25.2f %9.2f %10.1f", usage.wall, usage.cpu, usage.peakRSSMiB) + "   " + gain
        )
    }
    unsetenv("LECTERN_AUDIO_NORMALISATION")
}

/// The clip as a phone records HDR: x265 10-bit BT.2020 with the HLG or PQ transfer (its code values are the SDR
/// clip's, read as HDR: the content does not change the cost of the conversion).
func hdrClip(from sdr: String, transfer: String) -> String {
    let source = sdr.replacingOccurrences(of: ".mp4", with: "-\(transfer).mp4")
    if FileManager.default.fileExists(atPath: source) { return source }
    print("Generating the \(transfer) 10-bit HEVC version…")
    let partial = source + ".part.mp4"
    let result = run(
        [
            "ffmpeg", "-nostdin", "-y", "-v", "error", "-i", sdr, "-map", "0",
            "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
            "-x265-params", "log-level=error:colorprim=bt2020:transfer=\(transfer):colormatrix=bt2020nc",
            "-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace", "bt2020nc", "-c:a", "copy", partial,
        ],
        quiet: false
    )
    guard result.status == 0, (try? FileManager.default.moveItem(atPath: partial, toPath: source)) != nil else {
        fatalError("could not generate the HDR clip")
    }
    return source
}

let source = hdrTransfer.map { hdrClip(from: clip(seconds: seconds), transfer: $0) } ?? clip(seconds: seconds)
let lecternOut = work + "/lectern"
let cliOut = work + "/cli"
print("Lectern: transcoding… (load average \(loadAverage()))")
let (lectern, manifest) = runLectern(source: source, output: lecternOut)
let rungs = manifest.video
let lecternHLSBytes = directoryBytes(lecternOut + "/video") + directoryBytes(lecternOut + "/audio")
if lecternOnly {
    print(
        String(
            format: "lectern  wall %.2f s  cpu %.2f s  peak %.1f MiB  HLS %d bytes",
            lectern.wall,
            lectern.cpu,
            lectern.peakRSSMiB,
            lecternHLSBytes
        )
    )
    printAudioStageRows(source: source)
    exit(0)
}
print("ffmpeg CLI: transcoding… (load average \(loadAverage()))")
let ffmpeg = runCLI(source: source, output: cliOut, rungs: rungs)
let cliBytes = directoryBytes(cliOut)

// MARK: Quality per rung against the source scaled to the rung's size

func joined(playlistDirectory: String) -> String {
    let text = (try? String(contentsOfFile: playlistDirectory + "/playlist.m3u8", encoding: .utf8)) ?? ""
    let initName =
        text.split(separator: "\n").first { $0.hasPrefix("#EXT-X-MAP:URI=") }
        .map { $0.dropFirst("#EXT-X-MAP:URI=\"".count).prefix { $0 != "\"" } }.map(String.init) ?? "init.mp4"
    var data = (try? Data(contentsOf: URL(fileURLWithPath: playlistDirectory + "/" + initName))) ?? Data()
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        data.append((try? Data(contentsOf: URL(fileURLWithPath: playlistDirectory + "/" + line))) ?? Data())
    }
    let path = playlistDirectory + "/joined.mp4"
    try? data.write(to: URL(fileURLWithPath: path))
    return path
}

/// PSNR and SSIM of a rendition against the source scaled to its size, at the source's 30 fps: a rung with fewer
/// pictures in its still stretches (`StillPictureThinning`) is compared as a player shows it, each picture until the
/// next.
func quality(of path: String, against reference: String, width: Int, height: Int) -> (psnr: String, ssim: String) {
    let graph =
        "[1:v]scale=\(width):\(height):flags=bicubic,split[r1][r2];[0:v]fps=30,split[d1][d2];[d1][r1]psnr;[d2][r2]ssim"
    let output = run([
        "ffmpeg", "-nostdin", "-v", "info", "-i", path, "-i", reference, "-lavfi", graph, "-f", "null", "-",
    ]).stderr
    func value(after marker: String) -> String {
        guard let range = output.range(of: marker, options: .backwards) else { return "?" }
        return String(output[range.upperBound...].prefix { !$0.isWhitespace })
    }
    return (value(after: "average:"), value(after: "All:"))
}

print("")
print(
    """
    clip: \(seconds) s 1080p30\(hdrTransfer.map { " HDR \($0) 10-bit HEVC" } ?? ""), \
    ladder \(rungs.map(\.name).joined(separator: "/")), x264 threads per rung: lectern \(lecternThreads(rungs)), \
    ffmpeg \(cliSameThreads ? "the same" : "x264 auto")
    """
)
print("           wall s     cpu s   peak MiB    HLS bytes")
print(
    "lectern "
        + String(format: "%9.2f %9.2f %10.1f %12d", lectern.wall, lectern.cpu, lectern.peakRSSMiB, lecternHLSBytes)
)
print("ffmpeg  " + String(format: "%9.2f %9.2f %10.1f %12d", ffmpeg.wall, ffmpeg.cpu, ffmpeg.peakRSSMiB, cliBytes))
print(
    String(
        format: "wall ratio (ffmpeg / lectern): %.2f×   CPU use lectern %.0f%%, ffmpeg %.0f%% of one core",
        ffmpeg.wall / lectern.wall,
        100 * lectern.cpu / lectern.wall,
        100 * ffmpeg.cpu / ffmpeg.wall
    )
)
print("(load average after: \(loadAverage()))")
print("(Lectern's wall time also includes the progressive MP4, poster, storyboard and manifest checksums.)")
if let hdrTransfer {
    print("(HDR \(hdrTransfer) source: both sides tone-map to SDR BT.709; no quality rows against the HDR source.)")
    exit(0)
}
print("")
print("rung        lectern PSNR / SSIM      ffmpeg PSNR / SSIM")
for (index, rung) in rungs.enumerated() {
    let ours = quality(
        of: joined(
            playlistDirectory: lecternOut + "/" + rung.playlist.replacingOccurrences(of: "/playlist.m3u8", with: "")
        ),
        against: source,
        width: rung.width,
        height: rung.height
    )
    let theirs = quality(
        of: joined(playlistDirectory: cliOut + "/\(index)"),
        against: source,
        width: rung.width,
        height: rung.height
    )
    print(
        """
        \(rung.name.padding(toLength: 10, withPad: " ", startingAt: 0))  \
        \(ours.psnr) / \(ours.ssim)      \(theirs.psnr) / \(theirs.ssim)
        """
    )
}
printAudioStageRows(source: source)
