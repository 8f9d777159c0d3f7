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
