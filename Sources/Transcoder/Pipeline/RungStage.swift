import CFFmpeg
import Foundation

/// Stage 3 (one per rung, on its own thread): scales the frame it receives (from the source, or from a
/// taller rung when that costs no quality; see `ScalingPlan`), passes its picture to the rungs scaled from it,
/// encodes it with x264 and muxes the packets into the rung's HLS playlist (and the MP4, for one rung).
final class RungStage: @unchecked Sendable {
    // Confined to this rung's thread once the pipeline starts.
    let spec: RenditionSpec
    private let scaler: Scaler?
    let encoder: EncoderContext
    private let playlist: OutputFormatContext
    private let progressive: ProgressiveWriter?
    private let input: BoundedQueue<Frame>
    private let dependents: [BoundedQueue<Frame>]
    private let control: PipelineControl
    private let onFrameEncoded: @Sendable (Int64) -> Void
    private(set) var encodedFrames = 0
    /// This rung's previous scaled picture, when it scales only changed rows (see `Scaler.scale(_:previousOutput:)`).
    private let scalesChangedRowsOnly: Bool
    private var previousPicture: Frame?
    /// How long each picture sent to x264 is shown, by its timestamp, when the source stage left pictures out
    /// (`StillPictureThinning`): libx264 in FFmpeg 5.1 does not carry a frame's duration to its packet, and the
    /// muxers need it for the last sample of each fMP4 fragment and for each segment's EXTINF.
    private var durations: [Int64: Int64] = [:]
    /// A split encode's chunk: the pictures whose packets are written; the rest (its `ChunkPadding`) are encoded for
    /// x264's state only and dropped here.
    var keptWindow: FrameWindow?
    /// The end of the latest picture's presentation, once a picture came with its duration.
    private var presentationEnd: Int64?
    /// The timestamp of the last keyframe written: where the last segment starts.
    private var lastCut: Int64?
    /// How far the first packet's presentation is ahead of its decoding (x264's B-frame delay).
    private var firstReorderLead: Int64?

    init(
        spec: RenditionSpec,
        scaler: Scaler?,
        encoder: EncoderContext,
        playlist: OutputFormatContext,
        progressive: ProgressiveWriter?,
        input: BoundedQueue<Frame>,
        dependents: [BoundedQueue<Frame>],
        scalesChangedRowsOnly: Bool,
        control: PipelineControl,
        onFrameEncoded: @escaping @Sendable (Int64) -> Void
    ) {
        self.scalesChangedRowsOnly = scalesChangedRowsOnly
        self.spec = spec
        self.scaler = scaler
        self.encoder = encoder
        self.playlist = playlist
        self.progressive = progressive
        self.input = input
        self.dependents = dependents
        self.control = control
        self.onFrameEncoded = onFrameEncoded
    }

    /// Opens x264 for a rung with capped CRF and a fixed GOP of one segment, scene cuts off, so every
    /// rung puts its keyframes on the same frames.
    /// With `plan.placesKeyframesByContent` the keyframes are the pictures the source stage marked
    /// (`KeyframePlacement`), the same in every rung.
    static func makeEncoder(
        spec: RenditionSpec,
        timeBase: AVRational,
        frameRate: AVRational,
        threads: Int,
        plan: TranscodePlan,
        colour: ColourDescription = .bt709
    ) throws(TranscodeError) -> EncoderContext {
        let encoder = try EncoderContext(codecName: "libx264")
        let context = encoder.pointer
        context.pointee.width = Int32(spec.width)
        context.pointee.height = Int32(spec.height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        context.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        context.pointee.time_base = timeBase
        context.pointee.framerate = frameRate
        var gop = max(1, Int32((Double(plan.segmentSeconds) * av_q2d(frameRate)).rounded()))
        // Keyframes placed by the source stage (`KeyframePlacement`): x264 adds none of its own.
        if plan.placesKeyframesByContent { gop *= Int32(KeyframePlacement.maximumSegments) }
        context.pointee.gop_size = gop
        context.pointee.keyint_min = gop
        context.pointee.rc_max_rate = Int64(spec.rung.maxBitRate)
        context.pointee.rc_buffer_size = Int32(spec.rung.bufferSize)
        context.pointee.thread_count = Int32(threads)
        context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        colour.apply(to: context)
        do {
            try encoder.setOption("preset", plan.x264Preset)
            try encoder.setOption("crf", String(plan.crf))
            if plan.placesKeyframesByContent {
                try encoder.setOption("forced-idr", "1")
                // With still pictures left out (`StillPictureThinning`) x264 sees their timestamps (libx264 leaves
                // `b_vfr_input` on): mb-tree weighs a picture by how long it is shown. `force-cfr=1` would count
                // pictures instead (slides-only deck: 0.32× the CLI's bytes at 55.7 dB rather than 0.43× at 62.3 dB)
                // but writes `fixed_frame_rate_flag=1` into the SPS, which a variable-rate stream must not claim.
                try encoder.setOption("x264-params", "scenecut=0:open-gop=0:keyint=infinite:min-keyint=1")
            } else {
                try encoder.setOption("x264-params", "scenecut=0:open-gop=0:keyint=\(gop):min-keyint=\(gop)")
            }
            try encoder.open()
        } catch {
            throw TranscodeError.internal("Opening the H.264 encoder for \(spec.name)", error)
        }
        return encoder
    }

    /// CPU priority of this rung's thread (see `TranscodeSession`): 0, or positive for a rung that must not take
    /// CPU time from the rung that sets the ladder's pace.
    var threadNice: Int32 = 0

    func run() throws(TranscodeError) {
        if threadNice > 0 { _ = lectern_set_thread_nice(threadNice) }
        defer { dependents.forEach { $0.close() } }
        let packet = Packet()
        while let frame = input.pop() {
            let picture: Frame
            do {
                if let scaler {
                    picture =
                        scalesChangedRowsOnly
                        ? try scaler.scale(frame, previousOutput: previousPicture) : try scaler.scale(frame)
                    if scalesChangedRowsOnly { previousPicture = picture.clone() }
                } else {
                    picture = frame
                }
            } catch {
                throw TranscodeError.internal("Scaling to \(spec.name)", error)
            }
            for dependent in dependents where !dependent.push(picture.clone()) { return }
            let pts = picture.pts
            if picture.pointer.pointee.pkt_duration > 0 { durations[pts] = picture.pointer.pointee.pkt_duration }
            try encode(picture, packet: packet)
            encodedFrames += 1
            onFrameEncoded(pts)
        }
        guard !control.isStopped else { return }
        dependents.forEach { $0.close() }
        try encode(nil, packet: packet)
        do {
            try playlist.finish()
        } catch {
            throw TranscodeError.output("the \(spec.name) playlist", error)
        }
        if let presentationEnd, let lastCut {
            let seconds = Double(presentationEnd - lastCut) * av_q2d(encoder.pointer.pointee.time_base)
            try HLSMuxer.settleLastSegment(playlist: playlist.path, seconds: seconds)
        }
        progressive?.finishStream(.video)
    }

    /// Sends a picture to x264 (nil: the end) and writes the packets it gives back.
    private func encode(_ frame: Frame?, packet: Packet) throws(TranscodeError) {
        do {
            try encoder.send(frame)
        } catch {
            throw TranscodeError.internal("Encoding \(spec.name)", error)
        }
        // With pictures left out, the MP4 download's last packet (in decoding order) is held back while x264 drains,
        // so its track's decoding spans exactly what its pictures' presentation spans: with the packet's own
        // duration it would fall short by the difference between the B-frame delay at the end (after a still
        // stretch, a second or more) and at the start. At a constant rate the two are equal and nothing changes.
        // The HLS muxer keeps the packet's own duration: it adds the durations up into the last segment's EXTINF.
        let holdsLast = frame == nil && presentationEnd != nil && progressive != nil
        var held: Packet?
        while true {
            let received: Bool
            do {
                received = try encoder.receive(into: packet)
            } catch {
                throw TranscodeError.internal("Encoding \(spec.name)", error)
            }
            guard received else { break }
            if let keptWindow, !keptWindow.contains(packet.pts) {
                packet.unref()
                continue
            }
            if firstReorderLead == nil { firstReorderLead = packet.pts - packet.dts }
            if packet.pointer.pointee.flags & AV_PKT_FLAG_KEY != 0 { lastCut = packet.pts }
            if let duration = durations.removeValue(forKey: packet.pts) {
                packet.pointer.pointee.duration = duration
                presentationEnd = max(presentationEnd ?? .min, packet.pts + duration)
            }
            if let progressive {
                if holdsLast {
                    if let held { try progressive.write(held, kind: .video) }
                    held = packet.clone()
                } else {
                    try progressive.write(packet.clone(), kind: .video)
                }
            }
            do {
                try playlist.write(packet, stream: 0)
            } catch {
                throw TranscodeError.output("the \(spec.name) segments", error)
            }
            packet.unref()
        }
        if let held, let presentationEnd, let progressive {
            // The playlist's write above shifted this packet's own copy of the timestamps; `held` kept the encoder's.
            let decodingEnd = presentationEnd - (firstReorderLead ?? 0)
            held.pointer.pointee.duration = max(held.pointer.pointee.duration, decodingEnd - held.dts)
            try progressive.write(held, kind: .video)
        }
    }
}

/// The progressive MP4 download, fed by one video rung and the audio encoder from two threads.
final class ProgressiveWriter: @unchecked Sendable {
    enum Kind { case video, audio }
    // The muxer is only touched under `lock`.
    private let lock = NSLock()
    private let muxer: OutputFormatContext
    private let videoIndex: Int32?
    private let audioIndex: Int32?
    private var openStreams: Int
    private var failed = false

    init(path: String, video: EncoderContext?, audio: EncoderContext?, offset: Double) throws(TranscodeError) {
        do {
            let muxer = try OutputFormatContext(format: "mp4", path: path)
            self.muxer = muxer
            videoIndex = try video.map { encoder throws(AVError) in try muxer.addStream(from: encoder, offset: offset) }
            audioIndex = try audio.map { encoder throws(AVError) in try muxer.addStream(from: encoder, offset: offset) }
            openStreams = (video == nil ? 0 : 1) + (audio == nil ? 0 : 1)
            // The moov box goes to the front once the file is complete, so playback starts before the download ends.
            try muxer.writeHeader(options: ["movflags": "+faststart"])
        } catch {
            throw TranscodeError.output("the MP4 download", error)
        }
    }

    func write(_ packet: Packet, kind: Kind) throws(TranscodeError) {
        guard let index = kind == .video ? videoIndex : audioIndex else { return }
        lock.lock()
        defer { lock.unlock() }
        guard !failed else { return }
        do {
            try muxer.write(packet, stream: index)
        } catch {
            failed = true
            throw TranscodeError.output("the MP4 download", error)
        }
    }

    /// Called once per stream at its end; the last one writes the trailer (and the faststart rewrite).
    func finishStream(_ kind: Kind) {
        lock.lock()
        defer { lock.unlock() }
        openStreams -= 1
        if openStreams == 0 && !failed {
            finishError =
                (try? muxer.finish()) == nil
                ? TranscodeError(.outputFailure, "Could not finish the MP4 download.") : nil
        }
    }

    private(set) var finishError: TranscodeError?
}
