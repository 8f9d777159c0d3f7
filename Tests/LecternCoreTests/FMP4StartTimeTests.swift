import Foundation
import LecternCore
import Testing

/// The first presentation time read from generated CMAF boxes (the real transcoder's output is read by
/// `CaptionPlaybackEndToEndTests`).
@Suite struct FMP4StartTimeTests {
    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        be32(UInt32(8 + payload.count)) + Array(type.utf8) + payload
    }
    static func be32(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32($0))) }
    }
    static func be64(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64($0))) }
    }

    /// init: moov/trak/{mdia/mdhd (timescale), edts/elst (media_time)}.
    static func initSegment(timescale: UInt32, editMediaTime: Int32?, version1: Bool = false) -> Data {
        let mdhd =
            version1
            ? box("mdhd", [1, 0, 0, 0] + be64(0) + be64(0) + be32(timescale) + be64(0) + [0, 0, 0, 0])
            : box("mdhd", [0, 0, 0, 0] + be32(0) + be32(0) + be32(timescale) + be32(0) + [0, 0, 0, 0])
        var trak =
            box("tkhd", Array(repeating: 0, count: 84))
            + box("mdia", box("hdlr", Array(repeating: 0, count: 24)) + mdhd)
        if let editMediaTime {
            trak += box(
                "edts",
                box(
                    "elst",
                    [0, 0, 0, 0] + be32(1) + be32(1000) + be32(UInt32(bitPattern: editMediaTime)) + [0, 1, 0, 0]
                )
            )
        }
        return Data(
            box("ftyp", Array("iso6".utf8) + be32(0))
                + box("moov", box("mvhd", Array(repeating: 0, count: 100)) + box("trak", trak))
        )
    }

    /// segment: moof/traf/{tfhd, tfdt (decode time), trun (first sample's composition offset)}, then mdat.
    static func segment(decodeTime: UInt64, firstOffset: UInt32?) -> Data {
        let tfdt = box("tfdt", [1, 0, 0, 0] + be64(decodeTime))
        // flags: data offset (0x1), sample duration (0x100), size (0x200), composition offset (0x800) when given.
        let flags: UInt32 = 0x1 | 0x100 | 0x200 | (firstOffset == nil ? 0 : 0x800)
        var trun = [0] + Array(be32(flags).dropFirst()) + be32(1) + be32(0) + be32(512) + be32(100)
        if let firstOffset { trun += be32(firstOffset) }
        let traf = box("tfhd", [0, 2, 0, 0] + be32(1)) + tfdt + box("trun", trun)
        return Data(box("moof", box("mfhd", [0, 0, 0, 0] + be32(1)) + box("traf", traf)) + box("mdat", [1, 2, 3]))
    }

    @Test func decodeTimePlusCompositionOffsetMinusTheEdit() {
        // 15360 Hz (x264 in MP4): decode at 0, first frame presented 2 frames of 512 later, no edit.
        #expect(
            FMP4StartTime.seconds(
                initSegment: Self.initSegment(timescale: 15360, editMediaTime: nil),
                firstSegment: Self.segment(decodeTime: 0, firstOffset: 1024)
            ) == 1024.0 / 15360
        )
        // An edit list that shifts presentation back by the composition offset cancels it.
        #expect(
            FMP4StartTime.seconds(
                initSegment: Self.initSegment(timescale: 15360, editMediaTime: 1024),
                firstSegment: Self.segment(decodeTime: 0, firstOffset: 1024)
            ) == 0
        )
        // Version-1 boxes and no composition offsets.
        #expect(
            FMP4StartTime.seconds(
                initSegment: Self.initSegment(timescale: 90000, editMediaTime: nil, version1: true),
                firstSegment: Self.segment(decodeTime: 6006, firstOffset: nil)
            ) == 6006.0 / 90000
        )
    }

    @Test func notCMAFIsNil() {
        #expect(FMP4StartTime.seconds(initSegment: Data("init".utf8), firstSegment: Data("segment".utf8)) == nil)
        #expect(
            FMP4StartTime.seconds(
                initSegment: Self.initSegment(timescale: 0, editMediaTime: nil),
                firstSegment: Self.segment(decodeTime: 0, firstOffset: nil)
            ) == nil
        )
        // Truncated boxes never read past the end.
        let segment = Self.segment(decodeTime: 10, firstOffset: 5)
        for length in [0, 7, 20, 40, segment.count - 4] {
            _ = FMP4StartTime.seconds(
                initSegment: Self.initSegment(timescale: 1000, editMediaTime: nil),
                firstSegment: segment.prefix(length)
            )
        }
        // A 64-bit box size beyond Int, and random bytes, never trap.
        let huge = Data(Self.be32(1) + Array("moof".utf8) + Self.be64(.max) + [0, 0, 0, 0])
        #expect(
            FMP4StartTime.seconds(
                initSegment: Self.initSegment(timescale: 1000, editMediaTime: nil),
                firstSegment: huge
            ) == nil
        )
        var state: UInt64 = 0x5EED
        for _ in 0..<2000 {
            let bytes = (0..<Int(state % 200)).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 33)
            }
            _ = FMP4StartTime.seconds(initSegment: Data(bytes), firstSegment: Data(bytes.reversed()))
        }
    }
}
