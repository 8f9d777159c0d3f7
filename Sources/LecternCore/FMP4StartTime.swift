import Foundation

/// The presentation time of the first sample of a CMAF (fragmented MP4) stream, read from its boxes: the init
/// segment gives the timescale (`mdhd`) and the edit list's shift (`elst`), the first media segment gives the first
/// decode time (`tfdt`) and the first sample's composition offset (`trun`). The transcoder delays every packet by
/// the encoders' start-up (B-frame reordering, AAC priming; see `OutputFormatContext.addStream(from:offset:)`), so a
/// lecture's picture does not start at media time 0, and caption segments must say where their zero is.
public enum FMP4StartTime {
    struct Box {
        var type: String
        var payload: ArraySlice<UInt8>
    }

    static func boxes(_ bytes: ArraySlice<UInt8>) -> [Box] {
        var result: [Box] = []
        var index = bytes.startIndex
        while index + 8 <= bytes.endIndex {
            // Sizes are the file's word: never trusted past the bytes there are (a 64-bit size may not fit an Int).
            let available = bytes.endIndex - index
            var size = Int(read32(bytes, index))
            let type = String(decoding: bytes[(index + 4)..<(index + 8)], as: UTF8.self)
            var header = 8
            if size == 1, index + 16 <= bytes.endIndex {
                let large = read64(bytes, index + 8)
                size = large > UInt64(available) ? available : Int(large)
                header = 16
            } else if size == 0 || size > available {
                size = available
            }
            guard size >= header else { break }
            let end = min(bytes.endIndex, index + size)
            result.append(Box(type: type, payload: bytes[(index + header)..<end]))
            index += size
        }
        return result
    }

    static func child(_ bytes: ArraySlice<UInt8>, _ path: [String]) -> ArraySlice<UInt8>? {
        var current = bytes
        for type in path {
            guard let box = boxes(current).first(where: { $0.type == type }) else { return nil }
            current = box.payload
        }
        return current
    }

    static func read32(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt32 {
        guard at + 4 <= bytes.endIndex else { return 0 }
        return (at..<(at + 4)).reduce(0) { $0 << 8 | UInt32(bytes[$1]) }
    }

    static func read64(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt64 {
        guard at + 8 <= bytes.endIndex else { return 0 }
        return (at..<(at + 8)).reduce(0) { $0 << 8 | UInt64(bytes[$1]) }
    }

    /// Seconds from media time 0 to the first presented sample; nil when the boxes are not there.
    public static func seconds(initSegment: Data, firstSegment: Data) -> Double? {
        let initBytes = [UInt8](initSegment)[...]
        guard let trak = child(initBytes, ["moov", "trak"]), let mdhd = child(trak, ["mdia", "mdhd"]) else {
            return nil
        }
        let mdhdVersion = mdhd.first ?? 0
        let timescale = Double(read32(mdhd, mdhd.startIndex + (mdhdVersion == 1 ? 20 : 12)))
        guard timescale > 0 else { return nil }
        var editShift: Int64 = 0
        if let elst = child(trak, ["edts", "elst"]), read32(elst, elst.startIndex + 4) > 0 {
            let entry = elst.startIndex + 8
            let mediaTime =
                elst.first == 1
                ? Int64(bitPattern: read64(elst, entry + 8)) : Int64(Int32(bitPattern: read32(elst, entry + 4)))
            if mediaTime > 0 { editShift = mediaTime }
        }
        let segment = [UInt8](firstSegment)[...]
        guard let traf = child(segment, ["moof", "traf"]), let tfdt = child(traf, ["tfdt"]) else { return nil }
        let decodeTime =
            tfdt.first == 1
            ? Int64(bitPattern: read64(tfdt, tfdt.startIndex + 4)) : Int64(read32(tfdt, tfdt.startIndex + 4))
        var compositionOffset: Int64 = 0
        if let trun = child(traf, ["trun"]) {
            let flags = read32(trun, trun.startIndex) & 0x00FF_FFFF
            var at = trun.startIndex + 8
            if flags & 0x1 != 0 { at += 4 }
            if flags & 0x4 != 0 { at += 4 }
            if flags & 0x100 != 0 { at += 4 }
            if flags & 0x200 != 0 { at += 4 }
            if flags & 0x400 != 0 { at += 4 }
            if flags & 0x800 != 0 {
                let raw = read32(trun, at)
                compositionOffset = trun.first == 1 ? Int64(Int32(bitPattern: raw)) : Int64(raw)
            }
        }
        return Double(decodeTime + compositionOffset - editShift) / timescale
    }
}
