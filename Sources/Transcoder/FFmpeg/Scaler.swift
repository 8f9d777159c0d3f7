import CFFmpeg

#if canImport(Glibc)
import Glibc
#endif

/// A libswscale context converting frames of one size/format to another.
final class Scaler {
    private let context: OpaquePointer
    let inputWidth: Int32
    let inputHeight: Int32
    let outputWidth: Int32
    let outputHeight: Int32
    let outputFormat: AVPixelFormat
    private let flags: Int32

    init(
        from width: Int32,
        _ height: Int32,
        _ format: AVPixelFormat,
        to outWidth: Int32,
        _ outHeight: Int32,
        _ outFormat: AVPixelFormat,
        flags: Int32 = SWS_BICUBIC
    ) throws(TranscodeError) {
        guard let context = sws_getContext(width, height, format, outWidth, outHeight, outFormat, flags, nil, nil, nil)
        else {
            throw TranscodeError(.internalFailure, "Cannot scale \(width)x\(height) video to \(outWidth)x\(outHeight).")
        }
        self.context = context
        self.flags = flags
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

    /// Scales a frame of a sequence, recomputing only the output rows its changed band (`source.changedRows`)
    /// can reach and copying the others from `previousOutput` (this scaler's output for the previous frame).
    /// The result is the same, byte for byte, as `scale(source)` (the tests compare every byte): an output row
    /// is a weighted sum of a few source rows around it, and rows whose sources did not change come out as
    /// they did before. Falls back to a full scale without a previous output, with an unknown band, for sizes
    /// whose ratio gives no exact sub-picture (below), or when most rows changed anyway. The output's
    /// `changedRows` says which of its rows were recomputed, for the rungs scaled from it.
    ///
    /// How the band is recomputed: swscale's own output slices (`sws_receive_slice`) are not exact in FFmpeg 5.1
    /// for a slice that starts mid-picture after one that ended at the bottom, so instead a sub-picture of the
    /// source is scaled whole by a context of the same ratio. Its filter phases equal the full picture's when
    /// the window starts on a row where source and output rows line up (a multiple of `unit` output rows), and
    /// a margin of rows on each side, thrown away, keeps its edges' clamping out of the kept rows.
    func scale(_ source: Frame, previousOutput: Frame?) throws(AVError) -> Frame {
        guard let previousOutput, let changed = source.changedRows, source.height == inputHeight,
            source.pixelFormat == AV_PIX_FMT_YUV420P, outputFormat == AV_PIX_FMT_YUV420P,
            previousOutput.width == outputWidth, previousOutput.height == outputHeight,
            let window = bandWindow(reachedBy: changed)
        else {
            let output = try scale(source)
            output.changedRows = nil
            return output
        }
        let output = try Frame(width: outputWidth, height: outputHeight, pixelFormat: outputFormat)
        if !window.band.isEmpty {
            try scaleSubPicture(source, rows: window.crop, into: output)
        }
        Self.copyRows(outsideOf: window.band, from: previousOutput, to: output)
        av_frame_copy_props(output.pointer, source.pointer)
        output.pointer.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        output.changedRows = window.band
        return output
    }

    /// Output rows `band` must be recomputed for a change in source rows `changed`; `crop` is the sub-picture
    /// (output rows, aligned to `unit`, with margins, its height rounded up so few contexts are needed) that is
    /// scaled to get them. Nil when no exact sub-picture exists or it would be most of the picture.
    func bandWindow(reachedBy changed: Range<Int>) -> (band: Range<Int>, crop: Range<Int>)? {
        guard !changed.isEmpty else { return (0..<0, 0..<0) }
        let sourceHeight = Int(inputHeight), height = Int(outputHeight)
        guard let unit = Self.alignmentUnit(sourceHeight: sourceHeight, outputHeight: height) else { return nil }
        let ratio = Double(sourceHeight) / Double(height)
        // Generous reach of a source row into output rows (bicubic taps, chroma rows twice as tall, chroma siting):
        // recomputing a row needlessly costs time, never correctness.
        let reach = Int((6 * ratio).rounded(.up)) + 8
        var low = max(0, Int((Double(changed.lowerBound - reach) / ratio).rounded(.down)))
        var high = min(height, Int((Double(changed.upperBound + reach) / ratio).rounded(.up)))
        low -= low % 2
        high = min(height, high + high % 2)
        let margin = Self.roundUp(16, to: unit), quantum = Self.roundUp(64, to: unit)
        let cropLow = max(0, (low - margin) / unit * unit)
        let cropHeight = Self.roundUp(min(height, Self.roundUp(high + margin, to: unit)) - cropLow, to: quantum)
        guard cropHeight * 4 < height * 3 else { return nil }
        let crop = cropLow + cropHeight <= height ? cropLow..<(cropLow + cropHeight) : (height - cropHeight)..<height
        return (low..<high, crop)
    }

    /// The smallest number of output rows, even, that spans a whole, even number of source rows: windows that
    /// start on a multiple of it have the full picture's filter phases, in luma and in (half-height) chroma.
    /// Nil when it is too coarse to help (odd sizes, awkward ratios).
    static func alignmentUnit(sourceHeight: Int, outputHeight: Int) -> Int? {
        guard sourceHeight % 2 == 0, outputHeight % 2 == 0, outputHeight > 0 else { return nil }
        var a = sourceHeight, b = outputHeight
        while b != 0 { (a, b) = (b, a % b) }
        let unit = 2 * (outputHeight / a)
        return unit * 8 <= outputHeight ? unit : nil
    }

    static func roundUp(_ value: Int, to unit: Int) -> Int { (value + unit - 1) / unit * unit }

    /// Scales source rows `rows.lowerBound × ratio ..< rows.upperBound × ratio` into output rows `rows`.
    private func scaleSubPicture(_ source: Frame, rows: Range<Int>, into output: Frame) throws(AVError) {
        let sourceTop = rows.lowerBound * Int(inputHeight) / Int(outputHeight)
        let sourceRows = rows.count * Int(inputHeight) / Int(outputHeight)
        let context = try subPictureContext(sourceRows: Int32(sourceRows), outputRows: Int32(rows.count))
        let sourceStrides = withUnsafeBytes(of: source.pointer.pointee.linesize) {
            Array($0.bindMemory(to: Int32.self).prefix(3))
        }
        let outputStrides = withUnsafeBytes(of: output.pointer.pointee.linesize) {
            Array($0.bindMemory(to: Int32.self).prefix(3))
        }
        let sourcePlanes: [UnsafePointer<UInt8>?] = withUnsafeBytes(of: source.pointer.pointee.data) { raw in
            let planes = raw.bindMemory(to: UnsafeMutablePointer<UInt8>?.self)
            return (0..<3).map { plane in
                planes[plane].map {
                    UnsafePointer($0 + (plane == 0 ? sourceTop : sourceTop / 2) * Int(sourceStrides[plane]))
                }
            }
        }
        var outputPlanes: [UnsafeMutablePointer<UInt8>?] = withUnsafeBytes(of: output.pointer.pointee.data) { raw in
            let planes = raw.bindMemory(to: UnsafeMutablePointer<UInt8>?.self)
            return (0..<3).map { plane in
                planes[plane].map {
                    $0 + (plane == 0 ? rows.lowerBound : rows.lowerBound / 2) * Int(outputStrides[plane])
                }
            }
        }
        _ = try check(
            sws_scale(context, sourcePlanes, sourceStrides, 0, Int32(sourceRows), &outputPlanes, outputStrides)
        )
    }

    /// Contexts for sub-pictures, most recently used last; few sizes occur (crop heights are rounded).
    private var subPictureContexts: [(rows: Int32, context: OpaquePointer)] = []

    private func subPictureContext(sourceRows: Int32, outputRows: Int32) throws(AVError) -> OpaquePointer {
        if let index = subPictureContexts.firstIndex(where: { $0.rows == outputRows }) {
            let entry = subPictureContexts.remove(at: index)
            subPictureContexts.append(entry)
            return entry.context
        }
        guard
            let context = sws_getContext(
                inputWidth,
                sourceRows,
                AV_PIX_FMT_YUV420P,
                outputWidth,
                outputRows,
                AV_PIX_FMT_YUV420P,
                flags,
                nil,
                nil,
                nil
            )
        else {
            throw AVError(code: lectern_averror(ENOMEM))
        }
        subPictureContexts.append((outputRows, context))
        if subPictureContexts.count > 8 { sws_freeContext(subPictureContexts.removeFirst().context) }
        return context
    }

    /// Copies every row of `from` outside `band` (luma rows; the chroma rows they map to) into `to`.
    private static func copyRows(outsideOf band: Range<Int>, from previous: Frame, to output: Frame) {
        let height = Int(output.height), width = Int(output.width)
        let skipped = band.isEmpty ? 0..<0 : band
        let planes: [(rows: Range<Int>, bytes: Int, plane: Int)] = [
            (skipped, width, 0),
            (skipped.lowerBound / 2..<(skipped.upperBound + 1) / 2, (width + 1) / 2, 1),
            (skipped.lowerBound / 2..<(skipped.upperBound + 1) / 2, (width + 1) / 2, 2),
        ]
        let totalRows = [height, (height + 1) / 2, (height + 1) / 2]
        withUnsafeBytes(of: previous.pointer.pointee.data) { sourcePointers in
            withUnsafeBytes(of: output.pointer.pointee.data) { outputPointers in
                let sources = sourcePointers.bindMemory(to: UnsafeMutablePointer<UInt8>?.self)
                let outputs = outputPointers.bindMemory(to: UnsafeMutablePointer<UInt8>?.self)
                let sourceStrides = withUnsafeBytes(of: previous.pointer.pointee.linesize) {
                    Array($0.bindMemory(to: Int32.self))
                }
                let outputStrides = withUnsafeBytes(of: output.pointer.pointee.linesize) {
                    Array($0.bindMemory(to: Int32.self))
                }
                for (rows, bytes, plane) in planes {
                    guard let source = sources[plane], let target = outputs[plane] else { continue }
                    for row in 0..<totalRows[plane] where !rows.contains(row) {
                        (target + row * Int(outputStrides[plane])).update(
                            from: source + row * Int(sourceStrides[plane]),
                            count: bytes
                        )
                    }
                }
            }
        }
    }

    /// Scales into caller-provided planes (used to draw thumbnails straight into a sprite sheet).
    func scale(
        _ source: Frame,
        into planes: (
            UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?,
            UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?,
            UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?
        ),
        strides: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32)
    ) throws(AVError) {
        var destination = [planes.0, planes.1, planes.2, planes.3]
        var destinationStrides = [strides.0, strides.1, strides.2, strides.3]
        let sourcePlanes = withUnsafeBytes(of: source.pointer.pointee.data) { raw in
            Array(raw.bindMemory(to: UnsafeMutablePointer<UInt8>?.self).prefix(4)).map { UnsafePointer($0) }
        }
        let sourceStrides = withUnsafeBytes(of: source.pointer.pointee.linesize) {
            Array($0.bindMemory(to: Int32.self).prefix(4))
        }
        let result = sws_scale(
            context,
            sourcePlanes,
            sourceStrides,
            0,
            source.height,
            &destination,
            &destinationStrides
        )
        try check(result)
    }

    /// Tells swscale which YUV matrix and range the source uses and which the output needs; it converts between
    /// them (through RGB) when they differ. Without this it takes BT.601 for both, which is right for SD but shifts
    /// the colours of a BT.709 picture written as a JPEG (JFIF is BT.601, full range).
    func convertColours(
        from sourceMatrix: AVColorSpace,
        fullRange sourceFullRange: Bool,
        to outputMatrix: AVColorSpace,
        fullRange outputFullRange: Bool
    ) {
        _ = sws_setColorspaceDetails(
            context,
            sws_getCoefficients(Int32(sourceMatrix.rawValue)),
            sourceFullRange ? 1 : 0,
            sws_getCoefficients(Int32(outputMatrix.rawValue)),
            outputFullRange ? 1 : 0,
            0,
            1 << 16,
            1 << 16
        )
    }

    deinit {
        sws_freeContext(context)
        for entry in subPictureContexts { sws_freeContext(entry.context) }
    }
}
