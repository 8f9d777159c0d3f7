import CFFmpeg

/// An opened demuxer (`avformat_open_input`), closed with `avformat_close_input`.
final class InputFormatContext {
    let pointer: UnsafeMutablePointer<AVFormatContext>

    init(path: String) throws(AVError) {
        var context: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_open_input(&context, path, nil, nil))
        guard let context else { throw AVError(code: AVError.invalidData) }
        pointer = context
        let result = avformat_find_stream_info(pointer, nil)
        if result < 0 {
            var owned: UnsafeMutablePointer<AVFormatContext>? = pointer
            avformat_close_input(&owned)
            throw AVError(code: result)
        }
    }

    var formatName: String { String(cString: pointer.pointee.iformat.pointee.name) }
    /// Duration in seconds, or nil when the container does not say.
    var duration: Double? {
        let value = pointer.pointee.duration
        return value == noPTS || value <= 0 ? nil : Double(value) / Double(AV_TIME_BASE)
    }
    var bitRate: Int64 { pointer.pointee.bit_rate }

    var streamCount: Int { Int(pointer.pointee.nb_streams) }
    /// Borrowed: the stream belongs to this context and lives as long as it does.
    func stream(at index: Int) -> UnsafeMutablePointer<AVStream> { pointer.pointee.streams[index]! }

    /// Reads the next packet; returns false at the end of the input.
    func readPacket(into packet: Packet) throws(AVError) -> Bool {
        let result = av_read_frame(pointer, packet.pointer)
        if result == AVError.endOfFile { return false }
        try check(result)
        return true
    }

    deinit {
        var owned: UnsafeMutablePointer<AVFormatContext>? = pointer
        avformat_close_input(&owned)
    }
}
