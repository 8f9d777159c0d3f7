import CFFmpeg
import Foundation
import Testing

@testable import Transcoder

#if canImport(Glibc)
import Glibc
#endif

/// Scaling only the rows that changed must give the very bytes a full scale gives, for every band position,
/// scale ratio and odd size; and the changed band must be found exactly.
@Suite struct ChangedRowsScalingTests {
    /// A deterministic pseudo-random generator, so a failure names a reproducible case.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    static func noise(width: Int32, height: Int32, seed: UInt64) throws -> Frame {
        let frame = try Frame(width: width, height: height, pixelFormat: AV_PIX_FMT_YUV420P)
        var generator = Generator(state: seed)
        let strides = [
            Int(frame.pointer.pointee.linesize.0), Int(frame.pointer.pointee.linesize.1),
            Int(frame.pointer.pointee.linesize.2),
        ]
        for ((plane, rows, bytes), stride) in zip(planes(of: frame), strides) {
            for row in 0..<rows {
                for column in 0..<bytes { (plane + row * stride)[column] = UInt8(truncatingIfNeeded: generator.next()) }
            }
        }
        return frame
    }

    /// (base pointer, rows, bytes per row) of Y, U and V.
    static func planes(of frame: Frame) -> [(UnsafeMutablePointer<UInt8>, Int, Int)] {
        let data = frame.pointer.pointee.data, width = Int(frame.width), height = Int(frame.height)
        return [
            (data.0!, height, width), (data.1!, (height + 1) / 2, (width + 1) / 2),
            (data.2!, (height + 1) / 2, (width + 1) / 2),
        ]
    }

    static func copy(_ frame: Frame) throws -> Frame {
        let copy = try Frame(width: frame.width, height: frame.height, pixelFormat: AV_PIX_FMT_YUV420P)
        _ = try check(av_frame_copy(copy.pointer, frame.pointer))
        return copy
    }

    /// The first plane and row where two pictures of one size differ (strides may differ), nil when equal.
    static func firstDifference(_ a: Frame, _ b: Frame) -> String? {
        let aStrides = [
            Int(a.pointer.pointee.linesize.0), Int(a.pointer.pointee.linesize.1), Int(a.pointer.pointee.linesize.2),
        ]
        let bStrides = [
            Int(b.pointer.pointee.linesize.0), Int(b.pointer.pointee.linesize.1), Int(b.pointer.pointee.linesize.2),
        ]
        for (index, (pa, pb)) in zip(planes(of: a), planes(of: b)).enumerated() {
            for row in 0..<pa.1 where memcmp(pa.0 + row * aStrides[index], pb.0 + row * bStrides[index], pa.2) != 0 {
                return "plane \(index) row \(row)"
            }
        }
        return nil
    }

    /// Changes luma rows `rows` (and, when `chroma`, the chroma rows under them) of a copy of `frame`.
    static func changing(_ frame: Frame, rows: Range<Int>, chroma: Bool, seed: UInt64) throws -> Frame {
        let changed = try copy(frame)
        var generator = Generator(state: seed)
        let data = changed.pointer.pointee.data, lines = changed.pointer.pointee.linesize
        let width = Int(changed.width)
        for row in rows {
            let column = generator.below(width)
            (data.0! + row * Int(lines.0))[column] &+= 1 + UInt8(generator.below(200))
            if chroma {
                (data.1! + (row / 2) * Int(lines.1))[column / 2] &+= 1 + UInt8(generator.below(200))
            }
        }
        return changed
    }

    @Test func findsTheChangedBandExactly() throws {
        let base = try Self.noise(width: 64, height: 37, seed: 1)
        #expect(ChangedRows.between(base, try Self.copy(base)) == 0..<0)
        #expect(ChangedRows.between(base, base.clone()) == 0..<0)
        // Luma rows 10...20 changed: reported as whole row pairs.
        #expect(ChangedRows.between(base, try Self.changing(base, rows: 10..<21, chroma: false, seed: 2)) == 10..<22)
        #expect(ChangedRows.between(base, try Self.changing(base, rows: 0..<1, chroma: false, seed: 3)) == 0..<2)
        // The odd last row, alone.
        #expect(ChangedRows.between(base, try Self.changing(base, rows: 36..<37, chroma: false, seed: 4)) == 36..<37)
        // A chroma-only change still counts.
        let chromaOnly = try Self.copy(base)
        chromaOnly.pointer.pointee.data.2![5 * Int(chromaOnly.pointer.pointee.linesize.2) + 3] &+= 7
        #expect(ChangedRows.between(base, chromaOnly) == 10..<12)
        // A different size cannot be compared.
        #expect(ChangedRows.between(base, try Self.noise(width: 64, height: 38, seed: 5)) == nil)
    }

    @Test(arguments: [
        (1920, 1080, 1280, 720), (1920, 1080, 854, 480), (1280, 720, 640, 360), (1281, 535, 640, 266),
        (640, 360, 426, 240),
    ])
    func scalingChangedRowsEqualsAFullScale(sizes: (Int, Int, Int, Int)) throws {
        let (sourceWidth, sourceHeight, width, height) = (
            Int32(sizes.0), Int32(sizes.1), Int32(sizes.2), Int32(sizes.3)
        )
        let full = try Scaler(
            from: sourceWidth,
            sourceHeight,
            AV_PIX_FMT_YUV420P,
            to: width,
            height,
            AV_PIX_FMT_YUV420P
        )
        let incremental = try Scaler(
            from: sourceWidth,
            sourceHeight,
            AV_PIX_FMT_YUV420P,
            to: width,
            height,
            AV_PIX_FMT_YUV420P
        )
        var previous = try Self.noise(width: sourceWidth, height: sourceHeight, seed: UInt64(sizes.0 * 7 + sizes.3))
        var previousOutput = try incremental.scale(previous, previousOutput: nil)
        #expect(previousOutput.changedRows == nil)
        var generator = Generator(state: 99)
        let rows = Int(sourceHeight)
        // Bands at the top edge, the bottom edge, single rows, chroma-only, nothing at all, and random ones.
        var bands: [(Range<Int>, Bool)] = [
            (0..<1, true), (rows - 1..<rows, true), (rows / 2..<rows / 2 + 1, false),
            (rows - 40..<rows, false), (0..<30, false), (0..<0, true), (100..<101, true),
        ]
        for _ in 0..<12 {
            let start = generator.below(rows), length = 1 + generator.below(max(1, rows / 5))
            bands.append((start..<min(rows, start + length), generator.below(2) == 0))
        }
        var partial = 0
        for (index, (band, chroma)) in bands.enumerated() {
            let current = try Self.changing(previous, rows: band, chroma: chroma, seed: UInt64(index))
            current.changedRows = ChangedRows.between(previous, current)
            current.pts = Int64(index)
            let expected = try full.scale(current)
            let output = try incremental.scale(current, previousOutput: previousOutput)
            let difference = Self.firstDifference(output, expected)
            #expect(
                difference == nil,
                """
                band \(band) chroma \(chroma) recomputed \
                \(String(describing: output.changedRows)): \(difference ?? "")
                """
            )
            #expect(output.pts == Int64(index))
            if let recomputed = output.changedRows, recomputed.count < Int(height) { partial += 1 }
            previous = current
            previousOutput = output
        }
        if Scaler.alignmentUnit(sourceHeight: rows, outputHeight: Int(height)) != nil {
            // Most of those bands are small: the partial path, not the fallback, was what got checked.
            #expect(partial >= bands.count / 2)
        } else {
            // No sub-picture has the full picture's filter phases: only an unchanged picture skips scaling.
            #expect(partial == 1)
        }
    }

    @Test func alignmentUnitsOfTheLadder() {
        #expect(Scaler.alignmentUnit(sourceHeight: 1080, outputHeight: 720) == 4)
        #expect(Scaler.alignmentUnit(sourceHeight: 1080, outputHeight: 480) == 8)
        #expect(Scaler.alignmentUnit(sourceHeight: 720, outputHeight: 360) == 2)
        #expect(Scaler.alignmentUnit(sourceHeight: 535, outputHeight: 266) == nil)
        #expect(Scaler.alignmentUnit(sourceHeight: 1078, outputHeight: 720) == nil)
    }

    @Test func anUnknownBandScalesEverything() throws {
        let scaler = try Scaler(from: 320, 180, AV_PIX_FMT_YUV420P, to: 160, 90, AV_PIX_FMT_YUV420P)
        let first = try Self.noise(width: 320, height: 180, seed: 8)
        let previousOutput = try scaler.scale(first)
        let second = try Self.noise(width: 320, height: 180, seed: 9)
        second.changedRows = nil
        let output = try scaler.scale(second, previousOutput: previousOutput)
        #expect(output.changedRows == nil)
        #expect(Self.firstDifference(output, try scaler.scale(second)) == nil)
    }
}

/// End to end: a lecture-like clip (a still slide, a moving camera window in one corner) transcoded with and
/// without changed-rows scaling gives the very same rung segments.
@Suite struct ChangedRowsTranscodeTests {
    @Test func changedRowsScalingPublishesTheSameBytes() async throws {
        let directory = try TemporaryDirectory()
        let source = directory.file("slide.mp4")
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "color=c=0x203060:s=640x360:r=30:d=3",
            "-f", "lavfi", "-i", "testsrc2=s=160x90:r=30:d=3",
            "-filter_complex",
            "[0]drawbox=x=40:y=40:w=300:h=60:color=white:t=fill[slide];[slide][1]overlay=x=460:y=250",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", source,
        ])
        var plan = TranscodePlan(
            ladder: [360, 240, 180].map(Rung.standard(height:)),
            segmentSeconds: 1,
            encoderThreads: 1
        )
        var outputs: [String] = []
        for changedRowsOnly in [true, false] {
            plan.scalesChangedRowsOnly = changedRowsOnly
            let output = directory.file(changedRowsOnly ? "changed-rows" : "full")
            let manifest = try await Transcoder().transcode(input: source, outputDirectory: output, plan: plan)
            #expect(manifest.video.map(\.height) == [360, 240, 180])
            outputs.append(output)
        }
        for rung in ["240p", "180p"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: outputs[0] + "/video/" + rung).sorted()
            #expect(files.count > 3)
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: outputs[1] + "/video/" + rung).sorted() == files
            )
            var differs = false
            for file in files {
                let a = try Data(contentsOf: URL(fileURLWithPath: outputs[0] + "/video/\(rung)/" + file))
                let b = try Data(contentsOf: URL(fileURLWithPath: outputs[1] + "/video/\(rung)/" + file))
                #expect(a == b, "\(rung)/\(file) differs")
                differs = differs || a != b
            }
            // Bytes differed in 2 of 4 parallel runs of the whole transcoder suite (see the Makefile): say whether the
            // pictures differ too, and from which one, so a failure says whether a player would see it.
            if differs { print("\(rung): " + (try await Self.firstDifferentPicture(outputs, rung: rung))) }
        }
    }

    /// The first decoded picture (framemd5) where the two outputs' rung differs, or that they decode the same.
    static func firstDifferentPicture(_ outputs: [String], rung: String) async throws -> String {
        var digests: [[Substring]] = []
        for output in outputs {
            let joined = try OutputChecks.joinedStream(playlist: "video/\(rung)/playlist.m3u8", in: output)
            defer { try? FileManager.default.removeItem(atPath: joined) }
            let result = try await MediaTools.run(
                "ffmpeg",
                ["-nostdin", "-v", "error", "-i", joined, "-f", "framemd5", "-"]
            )
            digests.append(result.text.split(separator: "\n").filter { !$0.hasPrefix("#") })
        }
        let count = min(digests[0].count, digests[1].count)
        guard
            let index = (0..<count).first(where: {
                digests[0][$0].split(separator: ",").last != digests[1][$0].split(separator: ",").last
            })
        else { return "the pictures decode the same (\(digests[0].count) and \(digests[1].count) pictures)" }
        return "picture \(index) of \(digests[0].count) differs: \(digests[0][index]) vs \(digests[1][index])"
    }
}
