import Foundation
import Testing

@testable import Transcoder

/// The input opened through a `MediaByteSource` (the `AVIOContext` adapter) rather than a path.
@Suite struct ByteSourceInputTests {
    /// A file's bytes served from memory, counting reads; fails every read at or past `failFrom`.
    final class MemorySource: MediaByteSource, @unchecked Sendable {
        let data: Data
        let failFrom: Int64?
        private let lock = NSLock()
        private var reads = 0
        init(path: String, failFrom: Int64? = nil) throws {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
            self.failFrom = failFrom
        }
        var size: Int64 { Int64(data.count) }
        var readCount: Int { lock.withLock { reads } }
        func read(offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(TranscodeError) -> Int {
            lock.withLock { reads += 1 }
            if let failFrom, offset + Int64(buffer.count) > failFrom {
                throw TranscodeError(.inputUnavailable, "storage went away at \(offset)")
            }
            guard offset < size else { return 0 }
            let count = min(buffer.count, data.count - Int(offset))
            data.withUnsafeBytes { bytes in
                buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + Int(offset), byteCount: count)
            }
            return count
        }
    }

    @Test(arguments: ["moov-at-end.mp4", "faststart.mp4", "lecture.mkv"])
    func probeThroughByteSourceMatchesThePath(name: String) async throws {
        let directory = try TemporaryDirectory()
        let path = try await Self.clip(name, in: directory)
        let source = try MemorySource(path: path)
        let fromSource = try MediaProbe.probe(source: source)
        #expect(fromSource == (try MediaProbe.probe(path: path)))
        #expect(source.readCount > 0)
        #expect(fromSource.video != nil && fromSource.audio != nil)
    }

    /// A storage failure is reported as the source's own error, not as "not a video".
    @Test func sourceFailureIsReportedAsItself() async throws {
        let directory = try TemporaryDirectory()
        let path = try await Self.clip("moov-at-end.mp4", in: directory)
        let source = try MemorySource(path: path, failFrom: 1000)
        let error = #expect(throws: TranscodeError.self) { try MediaProbe.probe(source: source) }
        #expect(error?.kind == .inputUnavailable)
        #expect(error?.reason.contains("storage went away") == true)
    }

    @Test func emptySourceIsNotMedia() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("empty.mp4")
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        let error = #expect(throws: TranscodeError.self) { try MediaProbe.probe(source: try MemorySource(path: path)) }
        #expect(error?.kind == .notMedia)
    }

    /// Seeking through the adapter lands where seeking the file does (the index is read through `seek`).
    @Test func seekThroughByteSourceReadsTheSamePackets() async throws {
        let directory = try TemporaryDirectory()
        let path = try await Self.clip("moov-at-end.mp4", in: directory)
        func firstPackets(_ context: InputFormatContext) throws -> [Int64] {
            try context.seek(toSeconds: 4)
            var positions: [Int64] = []
            let packet = Packet()
            while positions.count < 20, try context.readPacket(into: packet) {
                positions.append(packet.bytePosition)
                packet.unref()
            }
            return positions
        }
        let viaSource = try firstPackets(
            try MediaProbe.open(source: try MemorySource(path: path), limits: .init()).context
        )
        let viaPath = try firstPackets(try MediaProbe.open(path: path, limits: .init()).context)
        #expect(viaSource == viaPath)
        #expect(viaSource.first.map { $0 > 0 } == true)
    }

    static func clip(_ name: String, in directory: TemporaryDirectory) async throws -> String {
        let path = directory.file(name)
        var arguments = [
            "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=6", "-f", "lavfi", "-i", "sine=f=440:d=6:sample_rate=48000",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-c:a", "aac", "-ac", "2",
        ]
        if name.hasPrefix("faststart") { arguments += ["-movflags", "+faststart"] }
        try await MediaTools.ffmpeg(arguments + [path])
        return path
    }
}
