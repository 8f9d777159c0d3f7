import CFFmpeg

/// Stage 2 (audio): decodes the audio stream once, resamples it to stereo with libswresample
/// (downmixing 5.1, duplicating mono), encodes AAC-LC and feeds the audio playlist and the MP4.
///
/// With `AudioNormalisation` (issue #17) it runs in two passes over one decode: pass 1 measures the resampled
/// programme (`LoudnessMeter`) while parking it in an `AudioSpill` on the output's disk; once the source ends, it
/// decides the channel fix and the gain (`AudioDecision`) and pass 2 encodes from the spill. The timestamps are the
/// ones the one-pass encode gives (same first PTS, same 1024-sample frames), so the HLS audio segments are
/// unchanged in timing; only their arrival is later. Without it, it encodes as it decodes.
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

    /// One pass (encode as decoded) or two (measure into a spill, then encode from it).
    private enum Passes {
        case single
        case measuring(LoudnessMeter, AudioSpill, AudioNormalisation)
        /// Pass 2: what was decided, the meter of what the encoder is given, the programme's length in seconds.
        case encodingSpill(AudioDecision, AudioNormalisation, output: LoudnessMeter, measured: Double)
    }
    private var passes: Passes
    /// Share of the audio's progress the measuring pass reports (the rest is the encode from the spill).
    private let measuringShare: Double
    /// What normalisation measured and did (nil when it is off or the stream was dropped).
    private(set) var loudness: TranscodeManifest.AudioLoudness?
    private(set) var corrections: [TranscodeManifest.Correction] = []

    static let outputFormat = AV_SAMPLE_FMT_FLTP
    /// The measuring pass's scratch file, in the audio folder (removed with it after a failure; deleted by the
    /// stage before the manifest lists the folder).
    static let spillName = ".pcm-spill.f32"

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
        normalisation: AudioNormalisation? = nil,
        spillPath: String? = nil,
        measuringShare: Double = 1,
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
        if let normalisation, let spillPath {
            passes = .measuring(
                LoudnessMeter(sampleRate: Int(encoder.pointer.pointee.sample_rate)),
                try AudioSpill(path: spillPath),
                normalisation
            )
        } else {
            passes = .single
        }
        self.measuringShare = min(1, max(0, measuringShare))
    }

    /// Deletes the spill, whatever happened (called when the stage ends).
    private func removeSpill() {
        if case .measuring(_, let spill, _) = passes { spill.remove() }
    }

    func run() throws(TranscodeError) {
        defer { removeSpill() }
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
                """
                No audio packet could be decoded (the audio is damaged or uses features we do not support). \
                The lecture was published without sound.
                """
            // Lets the MP4 finish: its audio track stays empty, and the mp4 muxer leaves empty tracks out.
            progressive?.finishStream(.audio)
            return
        }
        do {
            if let rest = try resampler?.convert(nil) { try take(rest) }
            if case .measuring(let meter, let spill, let settings) = passes {
                try encodeSpill(meter: meter, spill: spill, settings: settings, packet: packet)
                // Another stage failed while this one encoded from the spill: its outputs will not be published.
                guard !control.isStopped else { return }
            }
            try encodeFromFifo(packet: packet, flush: true)
            try encode(nil, packet: packet)
            try playlist.finish()
            if case .encodingSpill(let decision, let settings, let output, _) = passes {
                loudness = decision.manifestRecord(output: output.reading(), settings: settings)
                corrections = decision.corrections(output: output.reading(), settings: settings)
            }
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
                if let converted = try resampler.convert(frame) { try take(converted) }
                try encodeFromFifo(packet: packet, flush: false)
            } catch let error as TranscodeError {
                throw error
            } catch {
                throw TranscodeError.internal("Converting the audio", error as? AVError ?? AVError(code: -1))
            }
        }
    }

    /// Builds (or rebuilds, when the decoder's output changes mid-stream) the stereo resampler.
    private func currentResampler(for frame: Frame) throws -> Resampler? {
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
        if let resampler, let rest = try resampler.convert(nil) { try take(rest) }
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
        if let nextPTS { reportProgress(encodedUpTo: Double(nextPTS) * av_q2d(encoder.timeBase)) }
    }

    private func reportProgress(encodedUpTo time: Double) {
        switch passes {
        case .single: onProgress(time)
        case .measuring: break
        case .encodingSpill(_, _, _, let measured):
            onProgress(measuringShare * measured + (1 - measuringShare) * time)
        }
    }

    /// Resampled audio: to the encoder's FIFO (one pass), or measured and parked in the spill (pass 1).
    private func take(_ converted: Frame) throws {
        guard case .measuring(let meter, let spill, _) = passes else {
            try fifo.write(converted)
            return
        }
        let count = Int(converted.sampleCount)
        let (left, right) = Self.planes(converted)
        meter.add(left: left, right: right, count: count)
        try spill.write(left: left, right: right, count: count)
        let seconds = Double(spill.sampleCount) / Double(meter.sampleRate)
        onProgress(measuringShare * (Double(nextPTS ?? 0) * av_q2d(encoder.timeBase) + seconds))
    }

    /// Pass 2: decide from the whole programme's measurement, then encode the spill with the fix and the gain,
    /// measuring what goes into the encoder.
    private func encodeSpill(
        meter: LoudnessMeter,
        spill: AudioSpill,
        settings: AudioNormalisation,
        packet: Packet
    ) throws {
        let decision = AudioDecision.decide(meter: meter, settings: settings)
        let output = LoudnessMeter(sampleRate: meter.sampleRate)
        let gain = Float(pow(10, decision.gain / 20))
        let (a, b, c, d) = decision.channels.matrix
        let measured = Double(spill.sampleCount) / Double(meter.sampleRate)
        try spill.rewind()
        passes = .encodingSpill(decision, settings, output: output, measured: measured)
        defer { spill.remove() }
        let chunk: Int32 = 4096
        let layout = encoder.pointer.pointee.ch_layout
        while !control.isStopped {
            let frame = try Frame(
                samples: chunk,
                sampleFormat: Self.outputFormat,
                layout: layout,
                sampleRate: encoder.pointer.pointee.sample_rate
            )
            let (left, right) = Self.planes(frame)
            let count = spill.read(left: left, right: right, count: Int(chunk))
            guard count > 0 else { break }
            for i in 0..<count {
                let l = left[i], r = right[i]
                left[i] = gain * (a * l + b * r)
                right[i] = gain * (c * l + d * r)
            }
            output.add(left: left, right: right, count: count)
            frame.pointer.pointee.nb_samples = Int32(count)
            try fifo.write(frame)
            try encodeFromFifo(packet: packet, flush: false)
        }
    }

    /// The two float planes of a stereo FLTP frame.
    private static func planes(_ frame: Frame) -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
        let data = frame.pointer.pointee.extended_data!
        return (
            UnsafeMutableRawPointer(data[0]!).assumingMemoryBound(to: Float.self),
            UnsafeMutableRawPointer(data[1]!).assumingMemoryBound(to: Float.self)
        )
    }
}
