import CFFmpeg

/// What a time-range reader (a chunk of a split encode) needs from an opened input: a seek to a time and where
/// each packet lies, in seconds and in bytes.
extension InputFormatContext {
    /// Seeks every stream to the keyframe at or before `seconds` (through the container's index: for MP4 the
    /// moov's sample tables, for Matroska the Cues; no scan of the bytes before it).
    func seek(toSeconds seconds: Double) throws(AVError) {
        try check(av_seek_frame(pointer, -1, Int64(seconds * Double(AV_TIME_BASE)), AVSEEK_FLAG_BACKWARD))
    }

    /// The packet's presentation (or else decoding) time in seconds, nil when it has neither.
    func seconds(of packet: Packet) -> Double? {
        let time = packet.pts != noPTS ? packet.pts : packet.dts
        guard time != noPTS else { return nil }
        return Double(time) * av_q2d(stream(at: Int(packet.streamIndex)).pointee.time_base)
    }
}

extension Packet {
    /// The packet's byte offset in the input, -1 when the demuxer does not know it.
    var bytePosition: Int64 { pointer.pointee.pos }
}

/// What reading a time range of a recording touched: its packets and the bytes they span in the input.
public struct MediaRangeScan: Sendable, Equatable {
    public var packets = 0
    /// The lowest and one past the highest byte of the range's packets (0 and 0 when it had none).
    public var lowestByte: Int64 = 0
    public var endByte: Int64 = 0
    public var byteSpan: Int64 { endByte - lowestByte }
}

extension MediaProbe {
    /// Opens a byte source, seeks to `start` and reads packets until `end` without decoding: the demuxer's share of
    /// a chunk's work, for measuring what a time range costs to read (the ranged-input benchmark).
    public static func scanRange(
        source: any MediaByteSource,
        from start: Double,
        to end: Double
    ) throws(TranscodeError) -> MediaRangeScan {
        try scanRange(try open(source: source, limits: MediaLimits()).context, from: start, to: end)
    }

    /// The same for a local file.
    public static func scanRange(
        path: String,
        from start: Double,
        to end: Double
    ) throws(TranscodeError)
        -> MediaRangeScan
    {
        try scanRange(try open(path: path, limits: MediaLimits()).context, from: start, to: end)
    }

    static func scanRange(
        _ context: InputFormatContext,
        from start: Double,
        to end: Double
    ) throws(TranscodeError)
        -> MediaRangeScan
    {
        var scan = MediaRangeScan()
        var lowest = Int64.max
        do {
            try context.seek(toSeconds: start)
            let packet = Packet()
            while try context.readPacket(into: packet) {
                defer { packet.unref() }
                guard let time = context.seconds(of: packet) else { continue }
                if time >= end { break }
                if packet.bytePosition >= 0 {
                    lowest = min(lowest, packet.bytePosition)
                    scan.endByte = max(scan.endByte, packet.bytePosition + Int64(packet.size))
                }
                scan.packets += 1
            }
        } catch {
            if let failure = context.customIO?.failure { throw failure }
            throw TranscodeError(
                .undecodable,
                "The recording could not be read between \(start) s and \(end) s (\(error.message))."
            )
        }
        scan.lowestByte = lowest == .max ? 0 : lowest
        return scan
    }
}
