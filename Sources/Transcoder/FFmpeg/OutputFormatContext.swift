import CFFmpeg

/// A muxer writing one file (or, for the `hls` muxer, a playlist and its segments), freed with
/// `avformat_free_context` after its I/O is closed.
final class OutputFormatContext {
    let pointer: UnsafeMutablePointer<AVFormatContext>
    /// The file written (for the `hls` muxer, its playlist).
    let path: String
    private var headerWritten = false
    private var trailerWritten = false
    private var encoderTimeBases: [AVRational] = []
    private var offsets: [Int64] = []

    init(format: String, path: String) throws(AVError) {
        var context: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_alloc_output_context2(&context, nil, format, path))
        guard let context else { throw AVError(code: AVError.invalidData) }
        pointer = context
        self.path = path
        // Bit-exact output: no "Lavf" encoder tags or creation times; metadata stays empty.
        pointer.pointee.flags |= AVFMT_FLAG_BITEXACT
        if pointer.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            let result = avio_open(&pointer.pointee.pb, path, AVIO_FLAG_WRITE)
            if result < 0 {
                avformat_free_context(pointer)
                throw AVError(code: result)
            }
        }
    }

    /// Adds a stream carrying an encoder's output; returns its index. Every packet is delayed by
    /// `offset` seconds: encoders emit negative timestamps (B-frame reordering, AAC priming) that
    /// muxers would otherwise shift away separately per file, putting the renditions out of sync.
    @discardableResult
    func addStream(from encoder: EncoderContext, offset: Double) throws(AVError) -> Int32 {
        guard let stream = avformat_new_stream(pointer, nil) else { throw AVError(code: lectern_averror(ENOMEM)) }
        try check(avcodec_parameters_from_context(stream.pointee.codecpar, encoder.pointer))
        stream.pointee.time_base = encoder.timeBase
        if encoder.mediaType == AVMEDIA_TYPE_VIDEO {
            stream.pointee.avg_frame_rate = encoder.pointer.pointee.framerate
        }
        encoderTimeBases.append(encoder.timeBase)
        offsets.append(Int64((offset / av_q2d(encoder.timeBase)).rounded(.up)))
        return stream.pointee.index
    }

    /// Adds a stream carrying another file's packets as they are (a remux); returns its index. Packets are written
    /// in the input stream's time base, without an offset: they already carry the one they were encoded with.
    @discardableResult
    func addStream(copying input: UnsafeMutablePointer<AVStream>) throws(AVError) -> Int32 {
        guard let stream = avformat_new_stream(pointer, nil) else { throw AVError(code: lectern_averror(ENOMEM)) }
        try check(avcodec_parameters_copy(stream.pointee.codecpar, input.pointee.codecpar))
        // The input's tag belongs to its container; the muxer picks its own.
        stream.pointee.codecpar.pointee.codec_tag = 0
        stream.pointee.time_base = input.pointee.time_base
        stream.pointee.avg_frame_rate = input.pointee.avg_frame_rate
        encoderTimeBases.append(input.pointee.time_base)
        offsets.append(0)
        return stream.pointee.index
    }

    func writeHeader(options: [String: String] = [:]) throws(AVError) {
        var dictionary: OpaquePointer?
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        defer { av_dict_free(&dictionary) }
        try check(avformat_write_header(pointer, &dictionary))
        headerWritten = true
    }

    /// Writes a packet stamped in its encoder's time base (it is rescaled to the stream's here).
    func write(_ packet: Packet, stream index: Int32) throws(AVError) {
        packet.streamIndex = index
        let offset = offsets[Int(index)]
        if packet.pointer.pointee.pts != noPTS { packet.pointer.pointee.pts += offset }
        if packet.pointer.pointee.dts != noPTS { packet.pointer.pointee.dts += offset }
        let stream = pointer.pointee.streams[Int(index)]!
        packet.rescaleTimestamps(from: encoderTimeBases[Int(index)], to: stream.pointee.time_base)
        try check(av_interleaved_write_frame(pointer, packet.pointer))
    }

    func finish() throws(AVError) {
        guard headerWritten, !trailerWritten else { return }
        trailerWritten = true
        try check(av_write_trailer(pointer))
    }

    deinit {
        if pointer.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            avio_closep(&pointer.pointee.pb)
        }
        avformat_free_context(pointer)
    }
}
