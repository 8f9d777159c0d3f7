// Lectern vs the ffmpeg CLI on the same 4-rung HLS (fMP4) ladder of a 60 s 1080p30 lecture-like clip.
// Usage: TranscodeBenchmark [seconds] [x264 threads per rung, 0 = auto]   (Benchmarks/run transcode)
import Foundation
import Transcoder

let seconds = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 60
let work = NSTemporaryDirectory() + "lectern-transcode-bench"
try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
let source = work + "/lecture-1080p30-\(seconds)s.mp4"
let threads = CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) ?? 0
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
    let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
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
              let kib = Int(line.split(whereSeparator: \.isWhitespace)[1]) else { return }
        lock.withLock { peakKiB = max(peakKiB, kib) }
    }
}

@discardableResult
func run(_ arguments: [String], quiet: Bool = true, memory: PeakMemorySampler? = nil) -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0].hasPrefix("/") ? arguments[0] : "/usr/bin/" + arguments[0])
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

if !FileManager.default.fileExists(atPath: source) {
    print("Generating \(seconds) s 1080p30 lecture clip…")
    let filter = "[0:v]drawbox=x=160:y=120:w=1600:h=120:color=0x203060:t=fill,drawbox=x=160:y=320:w=1100:h=24:color=0x404040:t=fill,"
        + "drawbox=x=160:y=400:w=1000:h=24:color=0x404040:t=fill,drawbox=x=160:y=480:w=1200:h=24:color=0x404040:t=fill,"
        + "drawbox=x=160:y=560:w=900:h=24:color=0x404040:t=fill[slide];"
        + "[1:v]scale=384:216[pip];[slide][pip]overlay=x='1450+60*sin(t/3)':y='780+30*cos(t/2)'[v]"
    let result = run(["ffmpeg", "-nostdin", "-y", "-v", "error",
                      "-f", "lavfi", "-i", "color=c=0xf4f4f0:s=1920x1080:r=30:d=\(seconds)",
                      "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=\(seconds)",
                      "-f", "lavfi", "-i", "sine=f=220:d=\(seconds):sample_rate=48000",
                      "-filter_complex", filter, "-map", "[v]", "-map", "2:a",
                      "-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p",
                      "-c:a", "aac", "-b:a", "192k", "-ac", "2", source], quiet: false)
    guard result.status == 0 else { fatalError("could not generate the clip") }
}

// MARK: Lectern

let lecternOut = work + "/lectern"
try? FileManager.default.removeItem(atPath: lecternOut)
print("Lectern: transcoding…")
let before = cpuSeconds(RUSAGE_SELF)
let lecternStart = Date()
let manifest = try await Transcoder().transcode(input: source, outputDirectory: lecternOut, plan: plan)
let lecternWall = Date().timeIntervalSince(lecternStart)
let after = cpuSeconds(RUSAGE_SELF)
let lectern = Usage(wall: lecternWall, cpu: after.cpu - before.cpu, peakRSSMiB: Double(after.maxRSSKiB) / 1024)
let lecternHLSBytes = directoryBytes(lecternOut + "/video") + directoryBytes(lecternOut + "/audio")

// MARK: ffmpeg CLI: one process, split filter, same preset/caps/GOP, HLS fMP4

let cliOut = work + "/cli"
try? FileManager.default.removeItem(atPath: cliOut)
try FileManager.default.createDirectory(atPath: cliOut, withIntermediateDirectories: true)
let rungs = manifest.video
let gop = plan.segmentSeconds * 30
var graph = "[0:v]split=\(rungs.count)" + rungs.indices.map { "[s\($0)]" }.joined() + ";"
graph += rungs.enumerated().map { index, rung in
    index == 0 && rung.height == 1080 ? "[s\(index)]null[v\(index)]" : "[s\(index)]scale=\(rung.width):\(rung.height)[v\(index)]"
}.joined(separator: ";")
var cli = ["ffmpeg", "-nostdin", "-y", "-v", "error", "-i", source, "-filter_complex", graph]
for (index, rung) in rungs.enumerated() {
    cli += ["-map", "[v\(index)]", "-c:v:\(index)", "libx264", "-preset:v:\(index)", plan.x264Preset, "-crf:v:\(index)", String(plan.crf),
            "-maxrate:v:\(index)", String(rung.maxBitRate), "-bufsize:v:\(index)", String(rung.maxBitRate * 2),
            "-g:v:\(index)", String(gop), "-keyint_min:v:\(index)", String(gop),
            "-x264-params:v:\(index)", "scenecut=0:open-gop=0"]
    if threads > 0 { cli += ["-threads:v:\(index)", String(threads)] }
}
cli += ["-map", "0:a", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-map_metadata", "-1",
        "-f", "hls", "-hls_time", String(plan.segmentSeconds), "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
        "-master_pl_name", "master.m3u8",
        "-var_stream_map", rungs.indices.map { "v:\($0),agroup:aud" }.joined(separator: " ") + " a:0,agroup:aud",
        "-hls_segment_filename", cliOut + "/%v/segment_%05d.m4s", cliOut + "/%v/playlist.m3u8"]
print("ffmpeg CLI: transcoding…")
let childBefore = cpuSeconds(RUSAGE_CHILDREN)
let cliStart = Date()
let cliMemory = PeakMemorySampler()
let cliResult = run(cli, quiet: false, memory: cliMemory)
let cliWall = Date().timeIntervalSince(cliStart)
let childAfter = cpuSeconds(RUSAGE_CHILDREN)
guard cliResult.status == 0 else { fatalError("the ffmpeg CLI failed") }
let ffmpeg = Usage(wall: cliWall, cpu: childAfter.cpu - childBefore.cpu, peakRSSMiB: Double(cliMemory.peak) / 1024)
let cliBytes = directoryBytes(cliOut)

// MARK: Quality per rung against the source scaled to the rung's size

func joined(playlistDirectory: String) -> String {
    let text = (try? String(contentsOfFile: playlistDirectory + "/playlist.m3u8", encoding: .utf8)) ?? ""
    let initName = text.split(separator: "\n").first { $0.hasPrefix("#EXT-X-MAP:URI=") }
        .map { $0.dropFirst("#EXT-X-MAP:URI=\"".count).prefix { $0 != "\"" } }.map(String.init) ?? "init.mp4"
    var data = (try? Data(contentsOf: URL(fileURLWithPath: playlistDirectory + "/" + initName))) ?? Data()
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        data.append((try? Data(contentsOf: URL(fileURLWithPath: playlistDirectory + "/" + line))) ?? Data())
    }
    let path = playlistDirectory + "/joined.mp4"
    try? data.write(to: URL(fileURLWithPath: path))
    return path
}

func quality(of path: String, width: Int, height: Int) -> (psnr: String, ssim: String) {
    let graph = "[1:v]scale=\(width):\(height):flags=bicubic,split[r1][r2];[0:v]split[d1][d2];[d1][r1]psnr;[d2][r2]ssim"
    let output = run(["ffmpeg", "-nostdin", "-v", "info", "-i", path, "-i", source, "-lavfi", graph, "-f", "null", "-"]).stderr
    func value(after marker: String) -> String {
        guard let range = output.range(of: marker, options: .backwards) else { return "?" }
        return String(output[range.upperBound...].prefix { !$0.isWhitespace })
    }
    return (value(after: "average:"), value(after: "All:"))
}

print("")
print("clip: \(seconds) s 1080p30, ladder \(rungs.map(\.name).joined(separator: "/")), x264 threads per rung: \(threads == 0 ? "auto (lectern: split by pixel share; ffmpeg: x264 auto)" : String(threads))")
print("           wall s     cpu s   peak MiB    HLS bytes")
print("lectern " + String(format: "%9.2f %9.2f %10.1f %12d", lectern.wall, lectern.cpu, lectern.peakRSSMiB, lecternHLSBytes))
print("ffmpeg  " + String(format: "%9.2f %9.2f %10.1f %12d", ffmpeg.wall, ffmpeg.cpu, ffmpeg.peakRSSMiB, cliBytes))
print(String(format: "wall ratio (ffmpeg / lectern): %.2f×   CPU use lectern %.0f%%, ffmpeg %.0f%% of one core",
             ffmpeg.wall / lectern.wall, 100 * lectern.cpu / lectern.wall, 100 * ffmpeg.cpu / ffmpeg.wall))
print("(Lectern's wall time also includes the progressive MP4, poster, storyboard and manifest checksums.)")
print("")
print("rung        lectern PSNR / SSIM      ffmpeg PSNR / SSIM")
for (index, rung) in rungs.enumerated() {
    let ours = quality(of: joined(playlistDirectory: lecternOut + "/" + rung.playlist.replacingOccurrences(of: "/playlist.m3u8", with: "")), width: rung.width, height: rung.height)
    let theirs = quality(of: joined(playlistDirectory: cliOut + "/\(index)"), width: rung.width, height: rung.height)
    print("\(rung.name.padding(toLength: 10, withPad: " ", startingAt: 0))  \(ours.psnr) / \(ours.ssim)      \(theirs.psnr) / \(theirs.ssim)")
}
