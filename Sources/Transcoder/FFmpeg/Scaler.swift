import CFFmpeg

/// A libswscale context converting frames of one size/format to another.
final class Scaler {
    private let context: OpaquePointer
    let inputWidth: Int32
    let inputHeight: Int32
    let outputWidth: Int32
    let outputHeight: Int32
    let outputFormat: AVPixelFormat

    init(from width: Int32, _ height: Int32, _ format: AVPixelFormat,
         to outWidth: Int32, _ outHeight: Int32, _ outFormat: AVPixelFormat,
         flags: Int32 = SWS_BICUBIC) throws(TranscodeError) {
        guard let context = sws_getContext(width, height, format, outWidth, outHeight, outFormat, flags, nil, nil, nil) else {
            throw TranscodeError(.internalFailure, "Cannot scale \(width)x\(height) video to \(outWidth)x\(outHeight).")
        }
        self.context = context
        inputWidth = width
        inputHeight = height
        outputWidth = outWidth
        outputHeight = outHeight
        outputFormat = outFormat
    }

    /// Scales into a new frame that carries the source's timestamp.
    func scale(_ source: Frame) throws(AVError) -> Frame {
        let output = try Frame(width: outputWidth, height: outputHeight, pixelFormat: outputFormat)
        try scale(source, into: output.pointer.pointee.data, strides: output.pointer.pointee.linesize)
        av_frame_copy_props(output.pointer, source.pointer)
        output.pointer.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        return output
    }

    /// Scales into caller-provided planes (used to draw thumbnails straight into a sprite sheet).
    func scale(_ source: Frame, into planes: (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?), strides: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32)) throws(AVError) {
        var destination = [planes.0, planes.1, planes.2, planes.3]
        var destinationStrides = [strides.0, strides.1, strides.2, strides.3]
        let sourcePlanes = withUnsafeBytes(of: source.pointer.pointee.data) { raw in
            Array(raw.bindMemory(to: UnsafeMutablePointer<UInt8>?.self).prefix(4)).map { UnsafePointer($0) }
        }
        let sourceStrides = withUnsafeBytes(of: source.pointer.pointee.linesize) { Array($0.bindMemory(to: Int32.self).prefix(4)) }
        let result = sws_scale(context, sourcePlanes, sourceStrides, 0, source.height, &destination, &destinationStrides)
        try check(result)
    }

    deinit { sws_freeContext(context) }
}
