import CFFmpeg

/// Owns one `AVFrame`. Frames fanned out to several consumers are `clone()`d: the clones share the
/// reference-counted picture read-only, so no consumer may write into a frame it received.
final class Frame: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<AVFrame>
    /// For a video frame in a sequence: the rows whose pixels differ from the sequence's previous frame
    /// (empty: the same picture; nil: unknown, treat every row as changed). Set by its producer before the
    /// frame is handed on, read-only after; lets a scaler redo only the rows a change can reach.
    var changedRows: Range<Int>?

    init() {
        guard let frame = av_frame_alloc() else { fatalError("av_frame_alloc: out of memory") }
        pointer = frame
    }

    /// A frame with its own picture buffer of the given size and pixel format.
    convenience init(width: Int32, height: Int32, pixelFormat: AVPixelFormat) throws(AVError) {
        self.init()
        pointer.pointee.width = width
        pointer.pointee.height = height
        pointer.pointee.format = pixelFormat.rawValue
        try check(av_frame_get_buffer(pointer, 0))
    }

    /// A frame with its own sample buffer.
    convenience init(
        samples: Int32,
        sampleFormat: AVSampleFormat,
        layout: AVChannelLayout,
        sampleRate: Int32
    ) throws(AVError) {
        self.init()
        pointer.pointee.nb_samples = samples
        pointer.pointee.format = sampleFormat.rawValue
        pointer.pointee.sample_rate = sampleRate
        var source = layout
        try check(av_channel_layout_copy(&pointer.pointee.ch_layout, &source))
        try check(av_frame_get_buffer(pointer, 0))
    }

    func clone() -> Frame {
        let copy = Frame()
        av_frame_ref(copy.pointer, pointer)
        copy.changedRows = changedRows
        return copy
    }

    var width: Int32 { pointer.pointee.width }
    var height: Int32 { pointer.pointee.height }
    var pts: Int64 {
        get { pointer.pointee.pts }
        set { pointer.pointee.pts = newValue }
    }
    var bestEffortTimestamp: Int64 { pointer.pointee.best_effort_timestamp }
    var sampleCount: Int32 { pointer.pointee.nb_samples }
    var pixelFormat: AVPixelFormat { AVPixelFormat(rawValue: pointer.pointee.format) }

    func unref() { av_frame_unref(pointer) }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }
}
