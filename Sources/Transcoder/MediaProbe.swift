import CFFmpeg
import Foundation

/// Limits a lecture upload must respect; exceeding one is a permanent, explained failure.
public struct MediaLimits: Sendable, Equatable {
    public var maxDimension: Int = 8192
    public var maxDuration: Double = 6 * 3600
    public init(maxDimension: Int = 8192, maxDuration: Double = 6 * 3600) {
        self.maxDimension = maxDimension
        self.maxDuration = maxDuration
    }
}

/// Reads a file's container and streams through libavformat, without decoding the whole file.
public enum MediaProbe {
    public static func probe(path: String, limits: MediaLimits = MediaLimits()) throws(TranscodeError) -> MediaInfo {
        try open(path: path, limits: limits).info
    }

    /// Opens the input, describes it and checks the limits. The transcoder keeps the opened context.
    static func open(
        path: String,
        limits: MediaLimits
    ) throws(TranscodeError) -> (context: InputFormatContext, info: MediaInfo) {
        LibAV.quiet
        if !FileManager.default.isReadableFile(atPath: path) {
            throw TranscodeError(.inputUnavailable, "The file could not be read (it is missing or not readable).")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if size == 0 {
            throw TranscodeError(.notMedia, "The file is empty (0 bytes). Please upload the recording again.")
        }
        let context: InputFormatContext
        do {
            context = try InputFormatContext(path: path)
        } catch {
            throw TranscodeError(
                .notMedia,
                """
                This file is not a video or audio recording we can read, or it is incomplete (\(error.message)). \
                Please check that the upload finished and the file plays on your computer.
                """
            )
        }
        let info = describe(context)
        try check(info, limits: limits)
        return (context, info)
    }

    static func describe(_ context: InputFormatContext) -> MediaInfo {
        var streams: [StreamInfo] = []
        for index in 0..<context.streamCount {
            streams.append(describe(stream: context.stream(at: index), index: index))
        }
        var duration = context.duration
        if duration == nil { duration = streams.compactMap(\.duration).max() }
        return MediaInfo(
            container: context.formatName,
            duration: duration,
            bitRate: context.bitRate > 0 ? context.bitRate : nil,
            streams: streams
        )
    }

    private static func describe(stream: UnsafeMutablePointer<AVStream>, index: Int) -> StreamInfo {
        let parameters = stream.pointee.codecpar.pointee
        let codecName = String(cString: avcodec_get_name(parameters.codec_id))
        let timeBase = stream.pointee.time_base
        let streamDuration: Double? =
            stream.pointee.duration == noPTS || stream.pointee.duration <= 0
            ? nil : Double(stream.pointee.duration) * av_q2d(timeBase)
        var info = StreamInfo(
            index: index,
            kind: .other,
            codec: codecName,
            bitRate: parameters.bit_rate > 0 ? parameters.bit_rate : nil,
            duration: streamDuration,
            isDecodable: avcodec_find_decoder(parameters.codec_id) != nil
        )
        switch parameters.codec_type {
        case AVMEDIA_TYPE_VIDEO:
            // Cover art in audio files is a one-picture "video" stream; it is not a video to transcode.
            info.kind = stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 ? .other : .video
            info.width = Int(parameters.width)
            info.height = Int(parameters.height)
            info.rotation = rotation(of: stream)
            let sar = parameters.sample_aspect_ratio
            info.sampleAspectRatio =
                sar.num > 0 && sar.den > 0 ? Rational(num: Int(sar.num), den: Int(sar.den)) : Rational(num: 1, den: 1)
            let average = stream.pointee.avg_frame_rate
            let base = stream.pointee.r_frame_rate
            let nominal =
                average.num > 0 && average.den > 0
                ? av_q2d(average) : (base.num > 0 && base.den > 0 ? av_q2d(base) : nil)
            info.frameRate = nominal
            if average.num > 0, average.den > 0, base.num > 0, base.den > 0 {
                info.isVariableFrameRate = abs(av_q2d(average) - av_q2d(base)) / av_q2d(base) > 0.01
            } else {
                info.isVariableFrameRate = false
            }
            if let name = av_get_pix_fmt_name(AVPixelFormat(rawValue: parameters.format)) {
                info.pixelFormat = String(cString: name)
            }
            let order = parameters.field_order
            info.fieldOrder =
                switch order {
                case AV_FIELD_PROGRESSIVE: "progressive"
                case AV_FIELD_TT: "tt"
                case AV_FIELD_BB: "bb"
                case AV_FIELD_TB: "tb"
                case AV_FIELD_BT: "bt"
                default: "unknown"
                }
            info.isInterlaced = [AV_FIELD_TT, AV_FIELD_BB, AV_FIELD_TB, AV_FIELD_BT].contains(order)
        case AVMEDIA_TYPE_AUDIO:
            info.kind = .audio
            info.channels = Int(parameters.ch_layout.nb_channels)
            var layout = parameters.ch_layout
            var buffer = [CChar](repeating: 0, count: 128)
            if av_channel_layout_describe(&layout, &buffer, buffer.count) > 0 {
                info.channelLayout = String(
                    decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                    as: UTF8.self
                )
            }
            info.sampleRate = Int(parameters.sample_rate)
        case AVMEDIA_TYPE_SUBTITLE: info.kind = .subtitle
        case AVMEDIA_TYPE_DATA: info.kind = .data
        default: break
        }
        return info
    }

    /// Clockwise rotation in whole degrees needed for upright display (see `Orientation`, which also knows
    /// whether the picture is mirrored); quarter turns come out exactly 0/90/180/270.
    static func rotation(of stream: UnsafeMutablePointer<AVStream>) -> Int {
        Int(Orientation.of(stream).degrees.rounded()) % 360
    }

    static func check(_ info: MediaInfo, limits: MediaLimits) throws(TranscodeError) {
        guard info.video != nil || info.audio != nil else {
            throw TranscodeError(.noAudioOrVideo, "The file contains no video and no audio that we could find.")
        }
        // Audio we cannot decode beside good video is dropped later (the lecture is published silent, and the
        // manifest says why); a file left with nothing decodable is refused here.
        let undecodable = [info.video, info.audio].compactMap { $0 }.filter { !$0.isDecodable }
        if let video = info.video, !video.isDecodable {
            let what =
                undecodable.count == 2
                ? "Neither the video (\(codecName(video))) nor the audio (\(codecName(info.audio!))) can be decoded"
                : "The video is encoded with \(codecName(video)), which we cannot decode"
            throw TranscodeError(
                .unsupportedCodec,
                "\(what). Please export the recording as H.264 MP4 and upload it again."
            )
        }
        if info.video == nil, let audio = info.audio, !audio.isDecodable {
            throw TranscodeError(
                .unsupportedCodec,
                """
                The audio is encoded with \(codecName(audio)), which we cannot decode, and there is no video. \
                Please export the recording as AAC or MP3 and upload it again.
                """
            )
        }
        if let video = info.video, let width = video.width, let height = video.height {
            if width <= 0 || height <= 0 {
                throw TranscodeError(.undecodable, "The video stream has no picture size, so it cannot be decoded.")
            }
            if max(width, height) > limits.maxDimension {
                throw TranscodeError(
                    .overLimits,
                    """
                    The video is \(width)×\(height) pixels; the largest we accept is \(limits.maxDimension) \
                    pixels on a side. Please export it at a smaller size (1080p is plenty for a lecture).
                    """
                )
            }
        }
        if let duration = info.duration, duration > limits.maxDuration {
            throw TranscodeError(
                .overLimits,
                """
                The recording is \(formatDuration(duration)) long; the longest we accept is \
                \(formatDuration(limits.maxDuration)). Please split it into shorter parts.
                """
            )
        }
    }

    /// The codec as a person would name it ("an unknown codec" when FFmpeg does not recognise it at all).
    static func codecName(_ stream: StreamInfo) -> String {
        stream.codec == "none" || stream.codec.isEmpty ? "an unknown codec" : stream.codec.uppercased()
    }

    static func formatDuration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let hours = total / 3600, minutes = total % 3600 / 60
        return hours > 0 ? "\(hours) h \(minutes) min" : "\(minutes) min \(total % 60) s"
    }
}
