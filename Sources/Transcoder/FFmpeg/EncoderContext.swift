import CFFmpeg

/// An opened encoder. Configure through `configure` before `open`; EAGAIN and EOF are control flow.
final class EncoderContext {
    let pointer: UnsafeMutablePointer<AVCodecContext>
    let codec: UnsafePointer<AVCodec>

    init(codecName: String) throws(TranscodeError) {
        guard let codec = avcodec_find_encoder_by_name(codecName) else {
            throw TranscodeError(.internalFailure, "The \(codecName) encoder is not available in this FFmpeg build.")
        }
        guard let context = avcodec_alloc_context3(codec) else {
            throw TranscodeError(.internalFailure, "Out of memory while creating the \(codecName) encoder.")
        }
        self.codec = codec
        pointer = context
    }

    var mediaType: AVMediaType { pointer.pointee.codec_type }
    var timeBase: AVRational { pointer.pointee.time_base }
    var frameSize: Int32 { pointer.pointee.frame_size }

    /// Sets a private (codec-specific) option such as x264's `preset`.
    func setOption(_ key: String, _ value: String) throws(AVError) {
        try check(av_opt_set(pointer.pointee.priv_data, key, value, 0))
    }

    func open() throws(AVError) {
        try check(avcodec_open2(pointer, codec, nil))
    }

    /// Sends a frame, or nil to start draining.
    func send(_ frame: Frame?) throws(AVError) {
        try check(avcodec_send_frame(pointer, frame?.pointer))
    }

    func receive(into packet: Packet) throws(AVError) -> Bool {
        let result = avcodec_receive_packet(pointer, packet.pointer)
        if result == AVError.tryAgain || result == AVError.endOfFile { return false }
        try check(result)
        return true
    }

    /// The encoder's global header (for H.264: SPS/PPS), borrowed.
    var extradata: [UInt8] {
        guard let data = pointer.pointee.extradata, pointer.pointee.extradata_size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(pointer.pointee.extradata_size)))
    }

    deinit {
        var owned: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&owned)
    }
}
