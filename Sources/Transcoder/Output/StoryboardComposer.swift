import CFFmpeg
import Foundation

/// The storyboard of a split encode (issue #15), composed from its chunks' sheets. Every video chunk lays its sheet
/// out for the whole lecture (its `ThumbnailSheet` gets the source's duration, so interval, tile size, columns and
/// cues are the whole encode's) and draws each tile from the first picture at or after the tile's moment that it
/// decodes; the tiles of moments inside its own window are therefore the whole encode's pictures. The composition
/// takes each tile from the chunk whose window holds its moment, so only pixels move: one JPEG decode per chunk and
/// one encode (a second JPEG generation, measured in `ChunkStitchOutputTests`).
enum StoryboardComposer {
    struct Sheet {
        /// The chunk's `storyboard.jpg`.
        var jpeg: Data
        /// The chunk's first second on the lecture's timeline.
        var start: Double
    }

    /// Writes `storyboard.jpg` and copies `cues` (a chunk's `storyboard.vtt`, the same for every chunk) into
    /// `directory`; `sheets` in timeline order.
    static func compose(
        _ sheets: [Sheet],
        layout: TranscodeManifest.Storyboard,
        cues: String,
        to directory: String
    ) throws(TranscodeError) -> TranscodeManifest.Storyboard {
        guard !sheets.isEmpty else { throw TranscodeError(.invalidPlan, "There are no storyboard sheets to compose.") }
        let decoded = try sheets.map { sheet throws(TranscodeError) in try JPEGDecoder.decode(sheet.jpeg) }
        // Chunk 0's sheet, made writable (a decoded frame's buffers may be shared with the decoder's pool).
        let composite = decoded[0]
        do { try check(av_frame_make_writable(composite.pointer)) } catch {
            throw TranscodeError.internal("Preparing the storyboard", error)
        }
        for frame in decoded where frame.width != composite.width || frame.height != composite.height {
            throw TranscodeError(.chunkMismatch, "The chunks' storyboard sheets differ in size.")
        }
        for tile in 0..<layout.count {
            let moment = Double(tile) * layout.interval
            let owner = sheets.lastIndex { $0.start <= moment } ?? 0
            guard owner > 0 else { continue }
            copyTile(tile, layout: layout, from: decoded[owner], into: composite)
        }
        try JPEGWriter.write(composite, to: directory + "/" + layout.image)
        do {
            try cues.write(toFile: directory + "/" + layout.cues, atomically: true, encoding: .utf8)
        } catch {
            throw TranscodeError(.outputFailure, "Could not write the storyboard cues: \(error.localizedDescription)")
        }
        return layout
    }

    /// Copies one tile's luma and (half-size) chroma rectangles; tiles are even-sized, so chroma lines up.
    private static func copyTile(
        _ tile: Int,
        layout: TranscodeManifest.Storyboard,
        from source: Frame,
        into target: Frame
    ) {
        let x = tile % layout.columns * layout.thumbnailWidth
        let y = tile / layout.columns * layout.thumbnailHeight
        let planes = [
            (source.pointer.pointee.data.0, target.pointer.pointee.data.0, 1),
            (source.pointer.pointee.data.1, target.pointer.pointee.data.1, 2),
            (source.pointer.pointee.data.2, target.pointer.pointee.data.2, 2),
        ]
        let sourceStrides = [
            source.pointer.pointee.linesize.0, source.pointer.pointee.linesize.1,
            source.pointer.pointee.linesize.2,
        ]
        let targetStrides = [
            target.pointer.pointee.linesize.0, target.pointer.pointee.linesize.1,
            target.pointer.pointee.linesize.2,
        ]
        for (plane, (from, to, scale)) in planes.enumerated() {
            guard let from, let to else { continue }
            let width = layout.thumbnailWidth / scale
            for row in 0..<(layout.thumbnailHeight / scale) {
                let line = y / scale + row
                memcpy(
                    to + line * Int(targetStrides[plane]) + x / scale,
                    from + line * Int(sourceStrides[plane]) + x / scale,
                    width
                )
            }
        }
    }
}

/// One JPEG decoded with FFmpeg's mjpeg decoder: the decoder context is this object's and freed in `deinit`.
final class JPEGDecoder {
    private let context: UnsafeMutablePointer<AVCodecContext>

    private init() throws(AVError) {
        guard let codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG) else {
            throw AVError(code: lectern_averror_decoder_not_found())
        }
        guard let context = avcodec_alloc_context3(codec) else { throw AVError(code: lectern_averror(ENOMEM)) }
        self.context = context
        try check(avcodec_open2(context, codec, nil))
    }

    deinit {
        var owned: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&owned)
    }

    static func decode(_ jpeg: Data) throws(TranscodeError) -> Frame {
        do {
            let decoder = try JPEGDecoder()
            let packet = Packet()
            try check(av_new_packet(packet.pointer, Int32(jpeg.count)))
            jpeg.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { memcpy(packet.pointer.pointee.data, base, jpeg.count) }
            }
            try check(avcodec_send_packet(decoder.context, packet.pointer))
            try check(avcodec_send_packet(decoder.context, nil))
            let frame = Frame()
            try check(avcodec_receive_frame(decoder.context, frame.pointer))
            guard frame.pixelFormat == AV_PIX_FMT_YUVJ420P else {
                throw TranscodeError(.chunkMismatch, "A chunk's storyboard sheet is not a 4:2:0 JPEG.")
            }
            return frame
        } catch let error as AVError {
            throw TranscodeError(.chunkMismatch, "A chunk's storyboard sheet cannot be decoded (\(error)).")
        } catch let error as TranscodeError {
            throw error
        } catch {
            throw TranscodeError(.internalFailure, "\(error)")
        }
    }
}
