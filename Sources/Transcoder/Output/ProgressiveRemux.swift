import CFFmpeg
import Foundation

/// The MP4 download of a split encode (issue #15): a remux of the chunks' packets, not a second encode. The video
/// comes from the download's rung (its init segment followed by every chunk's media segments, in order, as one
/// fragmented MP4: the chunk contract makes the init segments identical and the fragments' decode times the whole
/// timeline's), the sound from the audio rendition the same way. Packets are copied into the same kind of file the
/// whole encode's `ProgressiveWriter` writes (`mp4`, `+faststart`, bit-exact, the packets' own timestamps, which
/// carry the encode's offset), interleaved by decode time; nothing is decoded and only a read's worth of bytes is
/// held at a time.
///
/// The reads block (an S3 source waits on ranged GETs): call it on a thread of its own, as `ChunkStitcher.stitch`'s
/// async form does.
enum ProgressiveRemux {
    /// The rung the MP4 download carries, for the whole encode (`VideoSource.progressiveSpec`) and the stitch alike:
    /// the first (the ladder runs tallest first) at or below `maxHeight`, else the last (the smallest).
    static func rungIndex(heights: [Int], maxHeight: Int) -> Int? {
        heights.firstIndex { $0 <= maxHeight } ?? (heights.isEmpty ? nil : heights.count - 1)
    }

    static func rung(
        of renditions: [TranscodeManifest.VideoRendition],
        maxHeight: Int = TranscodePlan().progressiveMaxHeight
    ) -> TranscodeManifest.VideoRendition? {
        rungIndex(heights: renditions.map(\.height), maxHeight: maxHeight).map { renditions[$0] }
    }

    /// `videoDuration`: the rung's playlist's length in seconds; the track's decoding is made to span it (see below).
    static func write(
        video: any MediaByteSource,
        audio: (any MediaByteSource)?,
        videoDuration: Double? = nil,
        to path: String
    ) throws(TranscodeError) -> (width: Int, height: Int, hasAudio: Bool) {
        let videoInput = try open(video, what: "the video")
        let audioInput = try audio.map { source throws(TranscodeError) in try open(source, what: "the sound") }
        guard let videoStream = firstStream(videoInput, type: AVMEDIA_TYPE_VIDEO) else {
            throw TranscodeError(.chunkMismatch, "The chunks' video segments hold no video stream.")
        }
        let audioStream = audioInput.flatMap { firstStream($0, type: AVMEDIA_TYPE_AUDIO) }
        do {
            let output = try OutputFormatContext(format: "mp4", path: path)
            let videoIndex = try output.addStream(copying: videoInput.stream(at: videoStream))
            let audioIndex = try audioStream.map { index throws(AVError) in
                try output.addStream(copying: audioInput!.stream(at: index))
            }
            try output.writeHeader(options: ["movflags": "+faststart"])
            var videoReader = Reader(input: videoInput, stream: videoStream)
            var audioReader = audioStream.map { Reader(input: audioInput!, stream: $0) }
            // The last video packet (in decoding order) is held back, as `RungStage` holds the whole encode's: with
            // still pictures left out its fragment gives it one picture's duration, so the track would end up to a
            // second before its pictures' presentation does (measured: 19 s of a 20 s deck).
            var heldVideo: Packet?
            var firstVideoDTS: Int64?
            // Interleaved by decode time, as the encoders' packets reach the whole encode's writer.
            while true {
                let nextVideo = try videoReader.peek()
                let nextAudio = try audioReader?.peek()
                guard nextVideo != nil || nextAudio != nil else { break }
                let takeVideo: Bool
                switch (nextVideo, nextAudio) {
                case (.some(let video), .some(let audio)): takeVideo = video <= audio
                case (.some, .none): takeVideo = true
                default: takeVideo = false
                }
                if takeVideo {
                    let packet = videoReader.take()
                    if firstVideoDTS == nil { firstVideoDTS = packet.dts }
                    if let heldVideo { try output.write(heldVideo, stream: videoIndex) }
                    heldVideo = packet
                } else if let audioIndex, let packet = audioReader?.take() {
                    try output.write(packet, stream: audioIndex)
                }
            }
            if let heldVideo {
                if let videoDuration, let firstVideoDTS {
                    let timeBase = videoInput.stream(at: videoStream).pointee.time_base
                    let span = Int64((videoDuration / av_q2d(timeBase)).rounded())
                    heldVideo.pointer.pointee.duration = max(
                        heldVideo.pointer.pointee.duration,
                        firstVideoDTS + span - heldVideo.dts
                    )
                }
                try output.write(heldVideo, stream: videoIndex)
            }
            try output.finish()
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw TranscodeError.output("the MP4 download", error)
        }
        let parameters = videoInput.stream(at: videoStream).pointee.codecpar.pointee
        return (Int(parameters.width), Int(parameters.height), audioStream != nil)
    }

    private static func open(_ source: any MediaByteSource, what: String) throws(TranscodeError) -> InputFormatContext {
        let io = try ByteSourceIO(source: source)
        do {
            return try InputFormatContext(io: io)
        } catch {
            throw TranscodeError(.chunkMismatch, "The chunks' segments of \(what) cannot be read as one stream.")
        }
    }

    private static func firstStream(_ input: InputFormatContext, type: AVMediaType) -> Int? {
        (0..<input.streamCount).first { input.stream(at: $0).pointee.codecpar.pointee.codec_type == type }
    }

    /// One input's packets of one stream, with the next one held so two inputs can be merged by time.
    private struct Reader {
        let input: InputFormatContext
        let stream: Int
        private var held: Packet?
        private var ended = false

        init(input: InputFormatContext, stream: Int) {
            self.input = input
            self.stream = stream
        }

        /// The next packet's decode time in seconds, nil at the end.
        mutating func peek() throws(AVError) -> Double? {
            while held == nil, !ended {
                let packet = Packet()
                if try input.readPacket(into: packet) {
                    if packet.streamIndex == Int32(stream) { held = packet }
                } else {
                    ended = true
                }
            }
            guard let held else { return nil }
            let timeBase = input.stream(at: stream).pointee.time_base
            let time = held.pointer.pointee.dts != noPTS ? held.pointer.pointee.dts : held.pointer.pointee.pts
            return Double(time) * av_q2d(timeBase)
        }

        mutating func take() -> Packet {
            let packet = held!
            held = nil
            packet.pointer.pointee.pos = -1
            return packet
        }
    }
}
