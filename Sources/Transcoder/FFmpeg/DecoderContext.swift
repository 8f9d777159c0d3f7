import CFFmpeg

/// An opened decoder for one input stream. Decode errors on single packets are reported to the caller,
/// which decides to skip them; EAGAIN and EOF are control flow.
final class DecoderContext {
    let pointer: UnsafeMutablePointer<AVCodecContext>

    /// - Parameter stream: borrowed from the input context for the duration of this call.
    init(stream: UnsafeMutablePointer<AVStream>, threads: Int32 = 0) throws(AVError) {
        guard let codec = avcodec_find_decoder(stream.pointee.codecpar.pointee.codec_id) else {
            throw AVError(code: lectern_averror_decoder_not_found())
        }
        guard let context = avcodec_alloc_context3(codec) else { throw AVError(code: lectern_averror(ENOMEM)) }
        pointer = context
        try check(avcodec_parameters_to_context(pointer, stream.pointee.codecpar))
        pointer.pointee.pkt_timebase = stream.pointee.time_base
        pointer.pointee.thread_count = threads
        try check(avcodec_open2(pointer, codec, nil))
    }

    var mediaType: AVMediaType { pointer.pointee.codec_type }

    func send(_ packet: Packet?) throws(AVError) {
        try check(avcodec_send_packet(pointer, packet?.pointer))
    }

    /// Returns false when the decoder needs more input (EAGAIN) or is drained (EOF).
    func receive(into frame: Frame) throws(AVError) -> Bool {
        let result = avcodec_receive_frame(pointer, frame.pointer)
        if result == AVError.tryAgain || result == AVError.endOfFile { return false }
        try check(result)
        return true
    }

    deinit {
        var owned: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&owned)
    }
}
