import CFFmpeg

/// A libswresample context: any layout/format/rate in, one fixed layout/format/rate out.
final class Resampler {
    private var context: OpaquePointer?
    private let outputLayout: AVChannelLayout
    private let outputFormat: AVSampleFormat
    private let outputRate: Int32

    init(
        inputLayout: AVChannelLayout,
        inputFormat: AVSampleFormat,
        inputRate: Int32,
        outputLayout: AVChannelLayout,
        outputFormat: AVSampleFormat,
        outputRate: Int32
    ) throws(AVError) {
        var input = inputLayout
        var output = outputLayout
        try check(
            swr_alloc_set_opts2(&context, &output, outputFormat, outputRate, &input, inputFormat, inputRate, 0, nil)
        )
        self.outputLayout = outputLayout
        self.outputFormat = outputFormat
        self.outputRate = outputRate
        try check(swr_init(context))
    }

    /// Converts a frame (or, with nil, flushes what is buffered). Returns nil when nothing came out.
    func convert(_ input: Frame?) throws(AVError) -> Frame? {
        let capacity = swr_get_out_samples(context, input?.sampleCount ?? 0)
        guard capacity > 0 else { return nil }
        let output = try Frame(
            samples: capacity,
            sampleFormat: outputFormat,
            layout: outputLayout,
            sampleRate: outputRate
        )
        let produced = try output.pointer.pointee.extended_data.withMemoryRebound(
            to: UnsafeMutablePointer<UInt8>?.self,
            capacity: 8
        ) { outPlanes throws(AVError) -> Int32 in
            if let input {
                return try input.pointer.pointee.extended_data.withMemoryRebound(
                    to: UnsafePointer<UInt8>?.self,
                    capacity: 8
                ) { inPlanes throws(AVError) in
                    try check(swr_convert(context, outPlanes, capacity, inPlanes, input.sampleCount))
                }
            }
            return try check(swr_convert(context, outPlanes, capacity, nil, 0))
        }
        guard produced > 0 else { return nil }
        output.pointer.pointee.nb_samples = produced
        return output
    }

    deinit { swr_free(&context) }
}
