import AWS
import Foundation
import LecternTestSupport
import Testing

@testable import LecternWorker
@testable import Transcoder

/// `S3RangedSource` against moto's real S3 API: the demuxer reads a recording through ranged GETs.
@Suite struct S3RangedSourceTests {
    static let transport = CurlTransport()
    /// Small blocks, so a 40 s test clip spans dozens of them and "only its range" is measurable.
    static let settings = RangedReadSettings(blockSize: 256 << 10, readAhead: 2, cachedBlocks: 6)

    static func bucket() async throws -> (S3Client, String) {
        let moto = try await MotoServer.shared()
        let s3 = S3Client(context: moto.context(transport: transport))
        let bucket = MotoServer.uniqueName("ranged")
        try await s3.createBucket(bucket)
        return (s3, bucket)
    }

    /// 640x360 at 30 fps with a tone, 40 s, a keyframe every second; `name`'s extension picks the container.
    static func clip(_ name: String) async throws -> String {
        let directory = NSTemporaryDirectory() + "lectern-ranged-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name
        var arguments = [
            "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=40", "-f", "lavfi", "-i",
            "sine=f=440:d=40:sample_rate=48000",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-c:a", "aac", "-ac", "2",
        ]
        if name.hasPrefix("faststart") { arguments += ["-movflags", "+faststart"] }
        try await Clips.ffmpeg(arguments + [path])
        return path
    }

    /// (a) the probe through S3 equals the local file's; (b) a 10 s range from the middle fetches its own bytes,
    /// the demuxer's buffer and a bounded number of whole blocks, not the object.
    @Test(arguments: ["moov-at-end.mp4", "faststart.mp4", "lecture.mkv"])
    func chunkReadsOnlyItsRange(name: String) async throws {
        let path = try await Self.clip(name)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let (s3, bucket) = try await Self.bucket()
        try await s3.putObject(bucket: bucket, key: "source/\(name)", fileAt: path)
        let source = try await S3RangedSource.open(
            s3: s3,
            bucket: bucket,
            key: "source/\(name)",
            settings: Self.settings
        )
        let objectSize = source.size
        #expect(objectSize == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int).map(Int64.init))

        let (info, afterOpen, scan, afterScan) = try await BlockingThread.run {
            () throws -> (MediaInfo, Int64, MediaRangeScan, Int64) in
            let (context, info) = try MediaProbe.open(source: source, limits: MediaLimits())
            // Each phase's read-ahead lands before its count is taken, so none is counted in the next phase.
            source.waitUntilSettled()
            let afterOpen = source.bytesFetched
            let scan = try MediaProbe.scanRange(context, from: 20, to: 30)
            source.waitUntilSettled()
            return (info, afterOpen, scan, source.bytesFetched)
        }
        #expect(info == (try MediaProbe.probe(path: path)))
        #expect(scan.packets > 300, "10 s of 30 fps video and its audio")

        // The bound, derived: the scan reads [lowestByte, endByte) plus at most one AVIO buffer past it; the blocks
        // covering that are at most extent/blockSize + 2 (both ends partial), and read-ahead adds `readAhead` more.
        // One block more for an index read at the first seek, not at open (Matroska's Cues, in the last block).
        let block = Int64(Self.settings.blockSize)
        let bound = scan.byteSpan + Int64(ByteSourceIO.bufferSize) + Int64(3 + Self.settings.readAhead) * block
        let duringScan = afterScan - afterOpen
        #expect(duringScan <= bound, "the range fetched \(duringScan) bytes; its packets span \(scan.byteSpan)")
        // The whole read (open, index, range) is well short of the object: the range is a quarter of the
        // duration, the index and the probe's first packets a few blocks.
        #expect(afterScan < objectSize * 6 / 10, "fetched \(afterScan) of \(objectSize) bytes")
    }

    /// (d) a 503 storm on the first GETs of a real S3 read: retried, and the probe is as from the local file.
    @Test func slowDownStormRecovers() async throws {
        let path = try await Self.clip("storm.mp4")
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let (s3, bucket) = try await Self.bucket()
        try await s3.putObject(bucket: bucket, key: "storm.mp4", fileAt: path)
        let size = try await s3.headObject(bucket: bucket, key: "storm.mp4").objectSize
        let storm = Storm(failures: 6)
        let source = S3RangedSource(
            size: size,
            settings: RangedReadSettings(blockSize: 256 << 10, readAhead: 2, attempts: 8, retryDelay: .milliseconds(5))
        ) { range in
            try storm.maybeFail()
            return try await s3.getObject(bucket: bucket, key: "storm.mp4", range: range).body
        }
        let info = try await BlockingThread.run { try MediaProbe.probe(source: source) }
        #expect(info == (try MediaProbe.probe(path: path)))
        #expect(storm.failed == 6)
    }

    @Test func missingObjectFailsWithAClearError() async throws {
        let (s3, bucket) = try await Self.bucket()
        let error = await #expect(throws: TranscodeError.self) {
            _ = try await S3RangedSource.open(s3: s3, bucket: bucket, key: "source/never-uploaded.mp4")
        }
        #expect(error?.kind == .inputUnavailable)
        #expect(error?.reason.contains("no longer in storage") == true)
    }

    /// Fails the first `failures` GETs with S3's 503 SlowDown.
    final class Storm: @unchecked Sendable {
        private let lock = NSLock()
        private var remaining: Int
        private(set) var failedCount = 0
        init(failures: Int) { remaining = failures }
        var failed: Int { lock.withLock { failedCount } }
        func maybeFail() throws {
            try lock.withLock {
                guard remaining > 0 else { return }
                remaining -= 1
                failedCount += 1
                throw AWSError(
                    code: "SlowDown",
                    message: "Please reduce your request rate.",
                    status: 503,
                    service: "s3"
                )
            }
        }
    }
}
