import CFFmpeg

/// Collects resampled audio so the AAC encoder can be fed exactly `frame_size` samples at a time.
final class AudioFifo {
    private let fifo: OpaquePointer
    private let format: AVSampleFormat
    private let layout: AVChannelLayout
    private let sampleRate: Int32

    init(format: AVSampleFormat, layout: AVChannelLayout, sampleRate: Int32) throws(TranscodeError) {
        guard let fifo = av_audio_fifo_alloc(format, layout.nb_channels, 1) else {
            throw TranscodeError(.internalFailure, "Out of memory while buffering audio.")
        }
        self.fifo = fifo
        self.format = format
        self.layout = layout
        self.sampleRate = sampleRate
    }

    var count: Int32 { av_audio_fifo_size(fifo) }

    func write(_ frame: Frame) throws(AVError) {
        let result = frame.pointer.pointee.extended_data.withMemoryRebound(
            to: UnsafeMutableRawPointer?.self,
            capacity: 8
        ) {
            av_audio_fifo_write(fifo, $0, frame.sampleCount)
        }
        try check(result)
    }

    /// Takes up to `samples` samples out as a new frame.
    func read(_ samples: Int32) throws(AVError) -> Frame {
        let frame = try Frame(samples: samples, sampleFormat: format, layout: layout, sampleRate: sampleRate)
        let result = frame.pointer.pointee.extended_data.withMemoryRebound(
            to: UnsafeMutableRawPointer?.self,
            capacity: 8
        ) {
            av_audio_fifo_read(fifo, $0, samples)
        }
        try check(result)
        frame.pointer.pointee.nb_samples = result
        return frame
    }

    deinit { av_audio_fifo_free(fifo) }
}
