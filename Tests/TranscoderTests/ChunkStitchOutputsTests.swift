import CFFmpeg
import Foundation
import Testing

@testable import Transcoder

/// The stitched lecture's MP4 download (`ProgressiveRemux`) held to the whole encode's (issue #15). The comparison
/// runs on `SplitEncodeTests`' encodes (60 s, three chunks), which are too slow on 2 cores to repeat; the tests
/// here are the ones that need no encode. (Written by a helper on a parallel implementation of the remux, and
/// kept for this one.)
@Suite struct ChunkStitchOutputsTests {
    // MARK: - Comparisons, called by SplitEncodeTests.chunksStitchIntoTheWholeEncode

    /// Where a download differs from the whole encode's; empty when it is the same stream (same pictures at the
    /// same times, the same amount of sound, no timestamp going backwards, decodes cleanly).
    static func downloadDifferences(_ download: String, whole: String) async throws -> [String] {
        var problems: [String] = []
        let mine = try await Packets(download)
        let theirs = try await Packets(whole)
        if mine.videoPTS.count != theirs.videoPTS.count {
            problems.append("\(mine.videoPTS.count) video frames, the whole encode has \(theirs.videoPTS.count)")
        }
        if mine.videoPTS.sorted() != theirs.videoPTS.sorted() { problems.append("the video frame times differ") }
        let frame = 1 / mine.frameRate
        if abs(mine.duration - theirs.duration) > frame {
            problems.append("duration \(mine.duration) s, the whole encode's \(theirs.duration) s")
        }
        if mine.audioSamples == 0 { problems.append("no audio") }
        if abs(mine.audioSamples - theirs.audioSamples) > 1024 {
            problems.append("\(mine.audioSamples) audio samples, the whole encode has \(theirs.audioSamples)")
        }
        for (name, dts) in [("video", mine.videoDTS), ("audio", mine.audioDTS)] {
            if let step = zip(dts.dropFirst(), dts).first(where: { $0 <= $1 }) {
                problems.append("\(name) decoding time goes backwards or repeats at \(step)")
            }
        }
        let errors = try await MediaTools.decodeErrors(download)
        if !errors.isEmpty { problems.append("decoding: \(errors.prefix(300))") }
        return problems
    }

    /// One file's packets as ffprobe reads them (timestamps in their streams' time bases).
    struct Packets {
        var videoPTS: [Int64] = []
        var videoDTS: [Int64] = []
        var audioDTS: [Int64] = []
        var audioSamples = 0
        var duration = 0.0
        var frameRate = 25.0

        init(_ path: String) async throws {
            let json = try await MediaTools.probe(
                path,
                ["-show_format", "-show_streams", "-show_entries", "packet=stream_index,pts,dts,duration"]
            )
            let streams = json["streams"] as? [[String: Any]] ?? []
            let kinds = streams.map { $0["codec_type"] as? String ?? "" }
            if let video = streams.first(where: { $0["codec_type"] as? String == "video" }),
                let rate = video["avg_frame_rate"] as? String
            {
                let parts = rate.split(separator: "/").compactMap { Double($0) }
                if parts.count == 2, parts[1] > 0 { frameRate = parts[0] / parts[1] }
            }
            duration = Double((json["format"] as? [String: Any])?["duration"] as? String ?? "") ?? -1
            for packet in json["packets"] as? [[String: Any]] ?? [] {
                let index = packet["stream_index"] as? Int ?? -1
                let value = { (key: String) in Int64(packet[key] as? Int ?? 0) }
                guard kinds.indices.contains(index) else { continue }
                if kinds[index] == "video" {
                    videoPTS.append(value("pts"))
                    videoDTS.append(value("dts"))
                } else if kinds[index] == "audio" {
                    audioDTS.append(value("dts"))
                    // The audio stream's time base is the sample rate (1/48000), so a duration counts samples.
                    audioSamples += Int(value("duration"))
                }
            }
        }
    }

    // MARK: - Tests that need no encode

    final class MemorySource: MediaByteSource, @unchecked Sendable {
        let bytes: [UInt8]
        private(set) var reads: [(offset: Int64, count: Int)] = []
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        var size: Int64 { Int64(bytes.count) }
        func read(offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(TranscodeError) -> Int {
            guard offset < size else { return 0 }
            let count = min(buffer.count, bytes.count - Int(offset))
            bytes[Int(offset)..<Int(offset) + count].withUnsafeBytes { buffer.copyMemory(from: $0) }
            reads.append((offset, count))
            return count
        }
    }

    @Test func concatenatedPartsReadAsOneStream() throws {
        let parts = [MemorySource([1, 2, 3]), MemorySource([]), MemorySource([4, 5]), MemorySource([6])]
        let joined = ConcatenatedByteSource(parts)
        #expect(joined.size == 6)
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4)
        var offset: Int64 = 0
        while true {
            let count = try buffer.withUnsafeMutableBytes { try joined.read(offset: offset, into: $0) }
            if count == 0 { break }
            collected += buffer[0..<count]
            offset += Int64(count)
        }
        #expect(collected == [1, 2, 3, 4, 5, 6])
        // A read in the middle of a part starts there and stops at the part's end.
        let count = try buffer.withUnsafeMutableBytes { try joined.read(offset: 4, into: $0) }
        #expect(count == 1 && buffer[0] == 5)
        #expect(parts[2].reads.last.map { $0.offset == 1 && $0.count == 1 } == true)
    }

    @Test func aFileReadsThroughItsSource() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("bytes")
        try Data([9, 8, 7, 6, 5]).write(to: URL(fileURLWithPath: path))
        let source = try FileByteSource(path: path)
        #expect(source.size == 5)
        var buffer = [UInt8](repeating: 0, count: 8)
        let count = try buffer.withUnsafeMutableBytes { try source.read(offset: 2, into: $0) }
        #expect(Array(buffer[0..<count]) == [7, 6, 5])
        #expect(try buffer.withUnsafeMutableBytes { try source.read(offset: 5, into: $0) } == 0)
        let missing = #expect(throws: TranscodeError.self) { try FileByteSource(path: directory.file("none")) }
        #expect(missing?.kind == .inputUnavailable)
    }

    @Test func theMP4RungIsPickedAsTheWholeEncodePicksIt() {
        #expect(ProgressiveRemux.rungIndex(heights: [1080, 720, 480], maxHeight: 720) == 1)
        #expect(ProgressiveRemux.rungIndex(heights: [480, 360], maxHeight: 720) == 0)
        #expect(ProgressiveRemux.rungIndex(heights: [1080, 900], maxHeight: 720) == 1)
        #expect(ProgressiveRemux.rungIndex(heights: [], maxHeight: 720) == nil)
    }
}
