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

    /// The custom I/O this context reads through (nil for a path); released after the context is closed, as
    /// `AVFMT_FLAG_CUSTOM_IO` requires (libavformat neither frees nor outlives it).
    private(set) var customIO: ByteSourceIO?

    /// Opens the input through a byte source's `AVIOContext` (`pb` set before `avformat_open_input`).
    init(io: ByteSourceIO) throws(AVError) {
        guard let allocated = avformat_alloc_context() else { throw AVError(code: -ENOMEM) }
        allocated.pointee.pb = io.context
        allocated.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        var context: UnsafeMutablePointer<AVFormatContext>? = allocated
        // On failure avformat_open_input frees the context we allocated (and leaves `pb` to us).
        try check(avformat_open_input(&context, nil, nil, nil))
        guard let context else { throw AVError(code: AVError.invalidData) }
        pointer = context
        customIO = io
        // Every stored property is set, so throwing now runs `deinit`, which closes the context once.
        try check(avformat_find_stream_info(pointer, nil))
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
