import CFFmpeg

/// Stage 2 (audio): decodes the audio stream once, resamples it to stereo with libswresample
/// (downmixing 5.1, duplicating mono), encodes AAC-LC and feeds the audio playlist and the MP4.
final class AudioStage: @unchecked Sendable {
    // Confined to the audio thread once the pipeline starts.
    private let decoder: DecoderContext
    private var resampler: Resampler?
    private let fifo: AudioFifo
    let encoder: EncoderContext
    private let playlist: OutputFormatContext
    private let progressive: ProgressiveWriter?
    private let packets: BoundedQueue<Packet>
    private let control: PipelineControl
    private let streamTimeBase: AVRational
    private let originInStreamTimeBase: Int64
    private let onProgress: @Sendable (Double) -> Void
    private var nextPTS: Int64?
    private var resamplerInput: (layout: AVChannelLayout, format: Int32, rate: Int32)?
    private(set) var decodedFrames = 0
    /// Beside a video, audio that yields no sound at all is dropped rather than failing the lecture.
    private let mayBeDropped: Bool
    /// Set when the stream was dropped: why, in words for the manifest.
    private(set) var droppedReason: String?

    static let outputFormat = AV_SAMPLE_FMT_FLTP

    /// AAC-LC at a rate AAC players all handle: the source's if it is 44.1 or 48 kHz, else 48 kHz.
    static func makeEncoder(sourceRate: Int, bitRate: Int) throws(TranscodeError) -> EncoderContext {
        let encoder = try EncoderContext(codecName: "aac")
        let context = encoder.pointer
        let rate: Int32 = sourceRate == 44_100 ? 44_100 : 48_000
        context.pointee.sample_rate = rate
        context.pointee.sample_fmt = outputFormat
        context.pointee.ch_layout = lectern_channel_layout_stereo()
        context.pointee.bit_rate = Int64(bitRate)
        context.pointee.time_base = AVRational(num: 1, den: rate)
        context.pointee.profile = FF_PROFILE_AAC_LOW
        context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        do {
            try encoder.open()
        } catch {
            throw TranscodeError.internal("Opening the AAC encoder", error)
        }
        return encoder
    }

    init(
        decoder: DecoderContext,
        encoder: EncoderContext,
        playlist: OutputFormatContext,
        progressive: ProgressiveWriter?,
        packets: BoundedQueue<Packet>,
        mayBeDropped: Bool,
        streamTimeBase: AVRational,
        origin: Int64,
        control: PipelineControl,
        onProgress: @escaping @Sendable (Double) -> Void
    ) throws(TranscodeError) {
        self.decoder = decoder
        self.encoder = encoder
        self.playlist = playlist
        self.progressive = progressive
        self.packets = packets
        self.mayBeDropped = mayBeDropped
        self.streamTimeBase = streamTimeBase
        self.originInStreamTimeBase = origin
        self.control = control
        self.onProgress = onProgress
        fifo = try AudioFifo(
            format: Self.outputFormat,
            layout: encoder.pointer.pointee.ch_layout,
            sampleRate: encoder.pointer.pointee.sample_rate
        )
    }

    func run() throws(TranscodeError) {
        let frame = Frame()
        let packet = Packet()
        while let input = packets.pop() {
            // A damaged packet is skipped; the rest of the lecture still plays.
            guard (try? decoder.send(input)) != nil else { continue }
            try drainDecoder(frame, packet: packet)
        }
        guard !control.isStopped else { return }
        try? decoder.send(nil)
        try drainDecoder(frame, packet: packet)
        guard decodedFrames > 0 || mayBeDropped else {
            throw TranscodeError(
                .undecodable,
                "The audio stream could not be decoded: the file is damaged or uses features we do not support."
            )
        }
        guard decodedFrames > 0 else {
            droppedReason =
                "No audio packet could be decoded (the audio is damaged or uses features we do not support). The lecture was published without sound."
            // Lets the MP4 finish: its audio track stays empty, and the mp4 muxer leaves empty tracks out.
            progressive?.finishStream(.audio)
            return
        }
        do {
            if let rest = try resampler?.convert(nil) { try fifo.write(rest) }
            try encodeFromFifo(packet: packet, flush: true)
            try encode(nil, packet: packet)
            try playlist.finish()
        } catch let error as TranscodeError {
            throw error
        } catch {
            throw TranscodeError.output("the audio playlist", error as? AVError ?? AVError(code: -1))
        }
        progressive?.finishStream(.audio)
    }

    private func drainDecoder(_ frame: Frame, packet: Packet) throws(TranscodeError) {
        while true {
            guard let received = try? decoder.receive(into: frame) else { return }
            guard received else { return }
            decodedFrames += 1
            defer { frame.unref() }
            do {
                if nextPTS == nil {
                    let timestamp = frame.bestEffortTimestamp != noPTS ? frame.bestEffortTimestamp : 0
                    let start = av_rescale_q(timestamp - originInStreamTimeBase, streamTimeBase, encoder.timeBase)
                    nextPTS = max(0, start)
                }
                guard let resampler = try currentResampler(for: frame) else { continue }
                if let converted = try resampler.convert(frame) { try fifo.write(converted) }
                try encodeFromFifo(packet: packet, flush: false)
            } catch let error as TranscodeError {
                throw error
            } catch {
                throw TranscodeError.internal("Converting the audio", error as? AVError ?? AVError(code: -1))
            }
        }
    }

    /// Builds (or rebuilds, when the decoder's output changes mid-stream) the stereo resampler.
    private func currentResampler(for frame: Frame) throws(AVError) -> Resampler? {
        var layout = frame.pointer.pointee.ch_layout
        if layout.order == AV_CHANNEL_ORDER_UNSPEC || layout.nb_channels == 0 {
            let channels = max(1, layout.nb_channels)
            av_channel_layout_default(&layout, channels)
        }
        let format = frame.pointer.pointee.format
        let rate = frame.pointer.pointee.sample_rate
        if let current = resamplerInput, current.format == format, current.rate == rate {
            var a = current.layout
            if av_channel_layout_compare(&a, &layout) == 0, let resampler { return resampler }
        }
        if let resampler, let rest = try resampler.convert(nil) { try fifo.write(rest) }
        resampler = try Resampler(
            inputLayout: layout,
            inputFormat: AVSampleFormat(rawValue: format),
            inputRate: rate,
            outputLayout: encoder.pointer.pointee.ch_layout,
            outputFormat: Self.outputFormat,
            outputRate: encoder.pointer.pointee.sample_rate
        )
        resamplerInput = (layout, format, rate)
        return resampler
    }

    private func encodeFromFifo(packet: Packet, flush: Bool) throws {
        let frameSize = encoder.frameSize > 0 ? encoder.frameSize : 1024
        while fifo.count >= frameSize || (flush && fifo.count > 0) {
            let frame = try fifo.read(min(frameSize, fifo.count))
            frame.pts = nextPTS ?? 0
            nextPTS = frame.pts + Int64(frame.sampleCount)
            try encode(frame, packet: packet)
        }
    }

    private func encode(_ frame: Frame?, packet: Packet) throws {
        try encoder.send(frame)
        while try encoder.receive(into: packet) {
            if let progressive { try progressive.write(packet.clone(), kind: .audio) }
            try playlist.write(packet, stream: 0)
            packet.unref()
        }
        if let nextPTS { onProgress(Double(nextPTS) * av_q2d(encoder.timeBase)) }
    }
}
