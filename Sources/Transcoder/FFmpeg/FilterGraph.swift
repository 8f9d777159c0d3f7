import CFFmpeg

/// A libavfilter graph with one video buffer source and one buffer sink, built from a filter chain
/// description such as `"yadif,transpose=clock,fps=30,format=yuv420p"`.
final class FilterGraph {
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    /// Borrowed: both filter contexts belong to `graph`.
    private let source: UnsafeMutablePointer<AVFilterContext>
    private let sink: UnsafeMutablePointer<AVFilterContext>

    init(
        width: Int32,
        height: Int32,
        pixelFormat: Int32,
        timeBase: AVRational,
        sampleAspect: AVRational,
        chain: String
    ) throws(AVError) {
        guard let graph = avfilter_graph_alloc() else { throw AVError(code: lectern_averror(ENOMEM)) }
        self.graph = graph
        let aspect = sampleAspect.num > 0 && sampleAspect.den > 0 ? sampleAspect : AVRational(num: 1, den: 1)
        let arguments =
            """
            video_size=\(width)x\(height):pix_fmt=\(pixelFormat):time_base=\(timeBase.num)/\(timeBase.den):\
            pixel_aspect=\(aspect.num)/\(aspect.den)
            """
        var source: UnsafeMutablePointer<AVFilterContext>?
        var sink: UnsafeMutablePointer<AVFilterContext>?
        // The graph owns its filters; a failure below is cleaned up by deinit freeing the graph.
        let made = avfilter_graph_create_filter(&source, avfilter_get_by_name("buffer"), "in", arguments, nil, graph)
        let madeSink =
            made < 0
            ? made : avfilter_graph_create_filter(&sink, avfilter_get_by_name("buffersink"), "out", nil, nil, graph)
        guard made >= 0, madeSink >= 0, let source, let sink else {
            avfilter_graph_free(&self.graph)
            throw AVError(code: made < 0 ? made : madeSink)
        }
        self.source = source
        self.sink = sink

        var outputs = avfilter_inout_alloc()
        var inputs = avfilter_inout_alloc()
        defer {
            avfilter_inout_free(&outputs)
            avfilter_inout_free(&inputs)
        }
        outputs?.pointee.name = av_strdup("in")
        outputs?.pointee.filter_ctx = source
        outputs?.pointee.pad_idx = 0
        outputs?.pointee.next = nil
        inputs?.pointee.name = av_strdup("out")
        inputs?.pointee.filter_ctx = sink
        inputs?.pointee.pad_idx = 0
        inputs?.pointee.next = nil
        try check(avfilter_graph_parse_ptr(graph, chain, &inputs, &outputs, nil))
        try check(avfilter_graph_config(graph, nil))
    }

    var outputTimeBase: AVRational { av_buffersink_get_time_base(sink) }
    var outputWidth: Int32 { av_buffersink_get_w(sink) }
    var outputHeight: Int32 { av_buffersink_get_h(sink) }
    var outputSampleAspect: AVRational { av_buffersink_get_sample_aspect_ratio(sink) }

    /// Pushes a frame in (nil signals the end of input).
    func push(_ frame: Frame?) throws(AVError) {
        try check(av_buffersrc_add_frame_flags(source, frame?.pointer, Int32(AV_BUFFERSRC_FLAG_KEEP_REF)))
    }

    /// Ends the input at `pts` (the end of the last frame), so the fps filter emits that frame too.
    func close(at pts: Int64) throws(AVError) {
        try check(av_buffersrc_close(source, pts, UInt32(AV_BUFFERSRC_FLAG_PUSH)))
    }

    /// Pulls a filtered frame; nil when the graph needs more input or is finished.
    func pull() throws(AVError) -> Frame? {
        let frame = Frame()
        let result = av_buffersink_get_frame(sink, frame.pointer)
        if result == AVError.tryAgain || result == AVError.endOfFile { return nil }
        try check(result)
        return frame
    }

    deinit { avfilter_graph_free(&graph) }
}
