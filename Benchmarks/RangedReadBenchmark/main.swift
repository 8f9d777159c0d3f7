// A chunk's input, two ways (issue #15): read a time range of a long 1080p source stored in S3 (moto)
// (a) through `S3RangedSource` (ranged GETs of its blocks, the container's index, read-ahead), and
// (b) by downloading the whole object first, then reading the same range from the local file.
// Each row prints the bytes fetched from S3 and the wall time; bytes are the point, times on a shared machine noise.
//
// `swift run -c release RangedReadBenchmark [--minutes 10] [--from 240] [--seconds 120] [--block-mib 4]`.
// The source (testsrc2 1080p30 + a tone, x264 ultrafast, moov at the end) is generated once per run.
import AWS
import Foundation
import LecternTestSupport
import LecternWorker
import Transcoder

struct Options {
    var minutes = 10
    var from = 240.0
    var seconds = 120.0
    var blockMiB = 4

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            let value = rest.popFirst() ?? ""
            switch flag {
            case "--minutes": minutes = Int(value) ?? minutes
            case "--from": from = Double(value) ?? from
            case "--seconds": seconds = Double(value) ?? seconds
            case "--block-mib": blockMiB = Int(value) ?? blockMiB
            default:
                FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8))
                exit(2)
            }
        }
    }
}

/// Blocking reads belong on a thread of their own, as in the transcoder's stages.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }.start()
    }
}

func mib(_ bytes: Int64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

let options = Options(CommandLine.arguments)
let seconds = options.minutes * 60
let directory = NSTemporaryDirectory() + "lectern-ranged-bench-\(UUID().uuidString)"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let source = directory + "/source.mp4"
print("generating a \(options.minutes)-minute 1080p source…")
let generate = try await ChildProcess.run(
    "ffmpeg",
    [
        "-y", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30:d=\(seconds)",
        "-f", "lavfi", "-i", "sine=f=440:d=\(seconds):sample_rate=48000", "-c:v", "libx264", "-preset", "ultrafast",
        "-b:v", "5M", "-g", "60", "-c:a", "aac", "-ac", "2", source,
    ]
)
guard generate.status == 0 else { fatalError("ffmpeg: \(generate.stderr)") }

let moto = try MotoServer.start()
let s3 = S3Client(context: moto.context(transport: CurlTransport()))
let bucket = MotoServer.uniqueName("bench")
try await s3.createBucket(bucket)
_ = try await s3.uploadFile(path: source, bucket: bucket, key: "source.mp4")
let objectSize = try await s3.headObject(bucket: bucket, key: "source.mp4").objectSize
let end = options.from + options.seconds
print("object: \(mib(objectSize)); range [\(options.from) s, \(end) s)")

// (a) ranged
let clock = ContinuousClock()
var started = clock.now
let settings = RangedReadSettings(blockSize: options.blockMiB << 20)
let ranged = try await S3RangedSource.open(s3: s3, bucket: bucket, key: "source.mp4", settings: settings)
let rangedScan = try await onThread { [options] in try MediaProbe.scanRange(source: ranged, from: options.from, to: end)
}
let rangedTime = clock.now - started
print(
    """
    ranged GETs    : fetched \(mib(ranged.bytesFetched)) in \(ranged.getRequests) GETs + 1 HEAD, \(rangedTime); \
    range spans \(mib(rangedScan.byteSpan)), \(rangedScan.packets) packets; \
    cache bound \(mib(Int64(settings.memoryBound)))
    """
)

// (b) whole download, then local
started = clock.now
let local = directory + "/downloaded.mp4"
try await s3.getObject(bucket: bucket, key: "source.mp4", toFile: local)
let localScan = try await onThread { [options] in try MediaProbe.scanRange(path: local, from: options.from, to: end) }
let wholeTime = clock.now - started
print("whole download : fetched \(mib(objectSize)) in 1 GET, \(wholeTime); \(localScan.packets) packets")
if localScan != rangedScan { print("WARNING: the two reads saw different packets") }
withExtendedLifetime(moto) {}  // the server stops when released
