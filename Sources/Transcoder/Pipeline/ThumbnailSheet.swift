import CFFmpeg
import Foundation

/// Collects the poster frame and storyboard thumbnails from the decoded video, then writes
/// `poster.jpg`, `storyboard.jpg` (a sprite sheet) and `storyboard.vtt` (cues with `#xywh=`).
final class ThumbnailSheet {
    struct Layout: Sendable, Equatable {
        var interval: Double
        var count: Int
        var columns: Int
        var thumbnailWidth: Int
        var thumbnailHeight: Int
        var rows: Int { (count + columns - 1) / columns }
    }

    let layout: Layout
    private let duration: Double
    private let posterTime: Double
    private let posterWidth: Int32
    private let posterHeight: Int32
    private let sheet: Frame
    private var thumbnailScaler: Scaler?
    private var nextThumbnail = 0
    private var poster: Frame?
    private var lastFrame: Frame?
    /// The YUV matrix of the frames offered (limited range, see `ColourConversion`); the JPEGs are BT.601 full range.
    var sourceMatrix = AVCOL_SPC_SMPTE170M

    init(
        duration: Double?,
        displayWidth: Double,
        displayHeight: Double,
        thumbnailWidth: Int,
        posterWidth: Int,
        posterHeight: Int
    ) throws(TranscodeError) {
        let knownDuration = duration ?? 1000
        let interval = max(1, (knownDuration / 100).rounded(.up))
        let count = max(1, Int((knownDuration / interval).rounded(.up)))
        let height = max(2, LadderLayout.evenRound(Double(thumbnailWidth) * displayHeight / displayWidth))
        layout = Layout(
            interval: interval,
            count: count,
            columns: min(count, 10),
            thumbnailWidth: thumbnailWidth,
            thumbnailHeight: height
        )
        self.duration = knownDuration
        posterTime = min(knownDuration * 0.1, 10)
        self.posterWidth = Int32(posterWidth)
        self.posterHeight = Int32(posterHeight)
        do {
            sheet = try Frame(
                width: Int32(layout.columns * thumbnailWidth),
                height: Int32(layout.rows * height),
                pixelFormat: AV_PIX_FMT_YUVJ420P
            )
        } catch {
            throw TranscodeError.internal("Allocating the storyboard", error)
        }
        paintBlack(sheet)
    }

    /// Offers a decoded, upright frame shown at `time` seconds.
    func offer(_ frame: Frame, time: Double) throws(AVError) {
        if poster == nil && time >= posterTime { poster = frame.clone() }
        lastFrame = frame.clone()
        while nextThumbnail < layout.count && time >= Double(nextThumbnail) * layout.interval {
            try draw(frame, at: nextThumbnail)
            nextThumbnail += 1
        }
    }

    private func draw(_ frame: Frame, at index: Int) throws(AVError) {
        if thumbnailScaler == nil || thumbnailScaler?.inputWidth != frame.width
            || thumbnailScaler?.inputHeight != frame.height
        {
            thumbnailScaler = try? Scaler(
                from: frame.width,
                frame.height,
                frame.pixelFormat,
                to: Int32(layout.thumbnailWidth),
                Int32(layout.thumbnailHeight),
                AV_PIX_FMT_YUVJ420P
            )
            thumbnailScaler?.convertColours(
                from: sourceMatrix,
                fullRange: false,
                to: AVCOL_SPC_SMPTE170M,
                fullRange: true
            )
        }
        guard let scaler = thumbnailScaler else { return }
        let x = index % layout.columns * layout.thumbnailWidth
        let y = index / layout.columns * layout.thumbnailHeight
        var planes = sheet.pointer.pointee.data
        let strides = sheet.pointer.pointee.linesize
        planes.0 = planes.0.map { $0 + y * Int(strides.0) + x }
        planes.1 = planes.1.map { $0 + y / 2 * Int(strides.1) + x / 2 }
        planes.2 = planes.2.map { $0 + y / 2 * Int(strides.2) + x / 2 }
        try scaler.scale(frame, into: planes, strides: strides)
    }

    /// Writes the three files; `outputDirectory` must exist.
    func write(to outputDirectory: String) throws(TranscodeError) {
        guard let source = poster ?? lastFrame else {
            throw TranscodeError(.undecodable, "No picture could be decoded from the video.")
        }
        // A short video may end before the last planned thumbnail; repeat the final picture.
        if let lastFrame {
            while nextThumbnail < layout.count {
                try? draw(lastFrame, at: nextThumbnail)
                nextThumbnail += 1
            }
        }
        do {
            let scaler = try Scaler(
                from: source.width,
                source.height,
                source.pixelFormat,
                to: posterWidth,
                posterHeight,
                AV_PIX_FMT_YUVJ420P
            )
            scaler.convertColours(from: sourceMatrix, fullRange: false, to: AVCOL_SPC_SMPTE170M, fullRange: true)
            let posterFrame = try scaler.scale(source)
            try JPEGWriter.write(posterFrame, to: outputDirectory + "/poster.jpg")
            try JPEGWriter.write(sheet, to: outputDirectory + "/storyboard.jpg")
        } catch let error as TranscodeError {
            throw error
        } catch {
            throw TranscodeError(.outputFailure, "Could not write the poster or storyboard: \(error).")
        }
        do {
            try webVTT().write(toFile: outputDirectory + "/storyboard.vtt", atomically: true, encoding: .utf8)
        } catch {
            throw TranscodeError(.outputFailure, "Could not write the storyboard cues: \(error.localizedDescription)")
        }
    }

    func webVTT(imageName: String = "storyboard.jpg") -> String {
        var text = "WEBVTT\n"
        for index in 0..<layout.count {
            let start = Double(index) * layout.interval
            guard start < duration || index == 0 else { break }
            let end = min(start + layout.interval, max(duration, start + 0.001))
            let x = index % layout.columns * layout.thumbnailWidth
            let y = index / layout.columns * layout.thumbnailHeight
            text +=
                """
                \n\(Self.timestamp(start)) --> \(Self.timestamp(end))\n\(imageName)#xywh=\(x),\(y),\
                \(layout.thumbnailWidth),\(layout.thumbnailHeight)\n
                """
        }
        return text
    }

    static func timestamp(_ seconds: Double) -> String {
        let milliseconds = Int((seconds * 1000).rounded())
        let h = milliseconds / 3_600_000, m = milliseconds / 60_000 % 60, s = milliseconds / 1000 % 60,
            ms = milliseconds % 1000
        return String(format: "%02d:%02d:%02d.%03d", h, m, s, ms)
    }

    private func paintBlack(_ frame: Frame) {
        let height = Int(frame.height)
        let planes = frame.pointer.pointee.data
        let strides = frame.pointer.pointee.linesize
        memset(planes.0!, 0, Int(strides.0) * height)
        memset(planes.1!, 128, Int(strides.1) * height / 2)
        memset(planes.2!, 128, Int(strides.2) * height / 2)
    }
}

/// Encodes one picture with FFmpeg's mjpeg encoder; a JPEG packet is a complete file.
enum JPEGWriter {
    static func write(_ frame: Frame, to path: String) throws(TranscodeError) {
        let encoder = try EncoderContext(codecName: "mjpeg")
        encoder.pointer.pointee.width = frame.width
        encoder.pointer.pointee.height = frame.height
        encoder.pointer.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        encoder.pointer.pointee.time_base = AVRational(num: 1, den: 25)
        encoder.pointer.pointee.flags |= AV_CODEC_FLAG_QSCALE
        encoder.pointer.pointee.global_quality = 3 * FF_QP2LAMBDA
        do {
            try encoder.open()
            let picture = frame.clone()
            picture.pts = 0
            picture.pointer.pointee.quality = encoder.pointer.pointee.global_quality
            try encoder.send(picture)
            try encoder.send(nil)
            let packet = Packet()
            guard try encoder.receive(into: packet), let data = packet.pointer.pointee.data else {
                throw TranscodeError(.internalFailure, "The JPEG encoder produced no picture.")
            }
            let bytes = Data(bytes: data, count: Int(packet.size))
            guard FileManager.default.createFile(atPath: path, contents: bytes) else {
                throw TranscodeError(.outputFailure, "Could not write \((path as NSString).lastPathComponent).")
            }
        } catch let error as AVError {
            throw TranscodeError.internal("Encoding \((path as NSString).lastPathComponent)", error)
        } catch let error as TranscodeError {
            throw error
        } catch {
            throw TranscodeError(.internalFailure, "\(error)")
        }
    }
}
