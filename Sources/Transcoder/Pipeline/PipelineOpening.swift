import CFFmpeg
import Foundation

/// Opening a transcode's pipeline: every decoder, encoder and muxer is opened here, before any stage runs, so
/// configuration errors surface before any work. The steps pass their results on as values, so the order they
/// depend on is the order they are written in:
///   1. probe the input; open the audio decoder (or drop undecodable audio beside a video);
///   2. open the encoders (audio first: its priming delay and the rungs' B-frame delay make the common
///      timestamp offset, which every muxer below needs);
///   3. open the muxers and build the stages: video source and rungs, the progressive MP4, audio, and demux.
extension TranscodePipeline {
    static func open(
        input: TranscodeInput,
        outputDirectory: String,
        plan: TranscodePlan,
        control: PipelineControl,
        progress: @escaping @Sendable (TranscodeProgress) -> Void
    ) throws(TranscodeError) -> (TranscodePipeline, MediaInfo, ProgressReporter) {
        let (context, info) = try MediaProbe.open(input, limits: plan.limits)
        let range = try plan.checkedRange()
        try plan.checkSelection(hasVideo: info.video != nil, hasAudio: info.audio != nil, duration: info.duration)
        var dropped: [TranscodeManifest.DroppedStream] = []
        var audioDecoder: DecoderContext?
        if let audio = info.audio, plan.audio != .exclude {
            audioDecoder = try openAudioDecoder(
                stream: context.stream(at: audio.index),
                info: audio,
                hasVideo: info.video != nil,
                dropped: &dropped
            )
        }
        let reporter = ProgressReporter(
            duration: info.duration,
            tracksVideo: info.video != nil && plan.audio != .only,
            tracksAudio: audioDecoder != nil,
            callback: progress
        )
        let outputs = OutputDirectory(path: outputDirectory)
        try outputs.prepare()

        // Encoders. The audio encoder is opened first: its priming delay is part of the common timestamp offset.
        let audioEncoder: EncoderContext?
        if let audio = info.audio, audioDecoder != nil {
            audioEncoder = try AudioStage.makeEncoder(
                sourceRate: audio.sampleRate ?? 48_000,
                bitRate: plan.audioBitRate
            )
        } else {
            audioEncoder = nil
        }
        /// Seconds added to every output timestamp so no encoder emits a negative one (see OutputFormatContext).
        var timestampOffset =
            audioEncoder.map { Double($0.pointer.pointee.initial_padding) / Double($0.pointer.pointee.sample_rate) }
            ?? 0
        var videoSource: VideoSource?
        if let video = info.video, plan.audio != .only {
            let source = try VideoSource.open(stream: context.stream(at: video.index), info: video, plan: plan)
            // Enough delay for the deepest B-frame reordering (and AAC's 1024-sample priming, above).
            timestampOffset = max(timestampOffset, source.reorderDelay)
            videoSource = source
        }
        if let fixed = plan.timestampOffset { timestampOffset = fixed }

        // Muxers and stages; every timestamp offset below is final.
        let start = context.pointer.pointee.start_time == noPTS ? 0 : context.pointer.pointee.start_time
        var routes: [Int32: BoundedQueue<Packet>] = [:]
        var stages: [Stage] = []
        var rungStages: [Stage] = []
        var videoOutputs: VideoOutputs?
        var progressive: ProgressiveOutput?
        if let video = info.video, let videoSource {
            let packets = BoundedQueue<Packet>(capacity: 64)
            routes[Int32(video.index)] = packets
            let rungInputs = try videoSource.rungInputs(
                outputs: outputs,
                offset: timestampOffset,
                plan: plan,
                control: control,
                reporter: reporter
            )
            let spec = videoSource.progressiveSpec
            // A chunk writes no MP4: the download will be a remux of the chunks' packets (issue #15, next part).
            let writer =
                range != nil
                ? nil
                : try ProgressiveWriter(
                    path: outputs.path(Transcoder.Paths.progressive),
                    video: videoSource.encoder(for: spec),
                    audio: audioEncoder,
                    offset: timestampOffset
                )
            progressive = writer.map { ProgressiveOutput(spec: spec, writer: $0) }
            let thumbnails = try videoSource.thumbnailSheet(duration: info.duration, plan: plan)
            let source = videoSource.sourceStage(
                packets: packets,
                rungs: rungInputs,
                thumbnails: thumbnails,
                start: start,
                plan: plan,
                control: control
            )
            let slides =
                plan.detectsSlides
                ? SlideTracker(
                    outputDirectory: outputDirectory,
                    settings: plan.slideSettings,
                    language: plan.slideTextLanguage,
                    wholeLecture: range == nil,
                    control: control
                ) : nil
            source.slides = slides
            if plan.placesKeyframesByContent {
                source.keyframes = KeyframePlacement(
                    segmentSeconds: plan.segmentSeconds,
                    frameRate: av_q2d(videoSource.frameRate)
                )
            }
            if plan.thinsStillPictures {
                source.thinning = StillPictureThinning(
                    heartbeatSeconds: plan.stillHeartbeatSeconds,
                    frameRate: av_q2d(videoSource.frameRate)
                )
            }
            if let range {
                let padding = plan.chunkPadding
                source.window = FrameWindow(range: range, timeBase: videoSource.filter.outputTimeBase, padding: padding)
                try RangeSeek.seek(context, videoStream: video.index, to: range.leadingIn(padding), origin: start)
            }
            stages.append(
                Stage(
                    name: "video",
                    body: { () throws(TranscodeError) in try source.run(outputDirectory: outputDirectory) }
                )
            )
            var rungs: [RungStage] = []
            for inputs in rungInputs {
                let stage = RungStage(
                    spec: inputs.spec,
                    scaler: inputs.scaler,
                    encoder: inputs.encoder,
                    playlist: inputs.playlist,
                    progressive: inputs.spec == spec ? writer : nil,
                    input: inputs.input,
                    dependents: inputs.dependents,
                    scalesChangedRowsOnly: plan.scalesChangedRowsOnly,
                    control: control,
                    onFrameEncoded: inputs.onFrameEncoded
                )
                // The top rung carries the most pixels, on one x264 thread: it sets the ladder's pace. When the other
                // rungs share a core with it on equal terms it falls behind, its queue fills, the decoder waits and
                // the smaller rungs run dry, leaving a core idle; a lower priority for them (nice 5) keeps the top
                // rung running and lets them fill the remaining CPU (measured: ~176 % → ~190 % of 2 cores busy).
                if !rungs.isEmpty { stage.threadNice = TranscodeSession.followerRungNice }
                stage.keptWindow = source.window
                rungs.append(stage)
                rungStages.append(
                    Stage(name: "rung-\(inputs.spec.name)", body: { () throws(TranscodeError) in try stage.run() })
                )
            }
            videoOutputs = VideoOutputs(rungs: rungs, frameRate: videoSource.frameRate, thumbnails: thumbnails)
            videoOutputs?.corrections = videoSource.corrections
            if let slides {
                videoOutputs?.slides = slides
                rungStages.append(Stage(name: "slides", body: { () throws(TranscodeError) in try slides.readSlides() }))
            }
        }
        var audioStage: AudioStage?
        if let audio = info.audio, let audioDecoder, let audioEncoder {
            let packets = BoundedQueue<Packet>(capacity: 256)
            routes[Int32(audio.index)] = packets
            let stream = context.stream(at: audio.index)
            let directory = try outputs.makeDirectory(Transcoder.Paths.audioDirectory)
            if plan.audioNormalisation != nil, let duration = info.duration {
                try AudioSpill.checkRoom(
                    needed: AudioSpill.bytes(
                        seconds: duration,
                        sampleRate: Int(audioEncoder.pointer.pointee.sample_rate)
                    ),
                    available: AudioSpill.availableBytes(in: directory)
                )
            }
            let playlist = try HLSMuxer.open(
                directory: directory,
                encoder: audioEncoder,
                offset: timestampOffset,
                segmentSeconds: plan.segmentSeconds
            )
            let stage = try AudioStage(
                decoder: audioDecoder,
                encoder: audioEncoder,
                playlist: playlist,
                progressive: progressive?.writer,
                packets: packets,
                mayBeDropped: info.video != nil && plan.audio != .only,
                streamTimeBase: stream.pointee.time_base,
                origin: av_rescale_q(start, lectern_time_base_q(), stream.pointee.time_base),
                control: control,
                normalisation: plan.audioNormalisation,
                spillPath: directory + "/" + AudioStage.spillName,
                // Beside a video the measuring pass keeps pace with the demuxer and the encode from the spill
                // overlaps the rungs' last frames. Alone, the two passes are given half each: their split has not
                // been measured on a release build (the benchmark's audio stage rows are the place to do it).
                measuringShare: info.video == nil ? 0.5 : 1,
                onProgress: { reporter.audioEncoded(upTo: $0) }
            )
            audioStage = stage
            stages.append(Stage(name: "audio", body: { () throws(TranscodeError) in try stage.run() }))
        }

        // Discard the streams we do not read, so the demuxer skips them cheaply.
        for index in 0..<context.streamCount where routes[Int32(index)] == nil {
            context.stream(at: index).pointee.discard = AVDISCARD_ALL
        }
        let demux = DemuxStage(input: context, routes: routes, control: control)
        if let range, let video = info.video {
            demux.readsUntil = ReadLimit(range: range, stream: context.stream(at: video.index), origin: start)
        }
        routes.values.forEach(control.register)
        let pipeline = TranscodePipeline(
            stages: [Stage(name: "demux", body: { () throws(TranscodeError) in try demux.run() })] + stages
                + rungStages,
            video: videoOutputs,
            audio: audioStage,
            progressive: progressive,
            droppedStreams: dropped
        )
        return (pipeline, info, reporter)
    }

    /// Opens the audio decoder. Audio we cannot decode beside a video is dropped (noted in `dropped`) so the
    /// lecture still publishes, silent; without a video there would be nothing left, so that fails.
    private static func openAudioDecoder(
        stream: UnsafeMutablePointer<AVStream>,
        info audio: StreamInfo,
        hasVideo: Bool,
        dropped: inout [TranscodeManifest.DroppedStream]
    ) throws(TranscodeError) -> DecoderContext? {
        let problem: String
        if audio.isDecodable {
            do {
                return try DecoderContext(stream: stream)
            } catch {
                problem = "The audio (\(MediaProbe.codecName(audio))) cannot be decoded: \(error.message)."
            }
        } else {
            problem = "The audio is encoded with \(MediaProbe.codecName(audio)), which we cannot decode."
        }
        guard hasVideo else {
            throw TranscodeError(
                .unsupportedCodec,
                problem + " There is no video either, so there is nothing to publish."
            )
        }
        dropped.append(
            .init(kind: .audio, codec: audio.codec, reason: problem + " The lecture was published without sound.")
        )
        return nil
    }
}

/// The transcode's output directory (OUTDIR): created, emptied of an earlier attempt's outputs, and given
/// the rendition folders.
struct OutputDirectory {
    let path: String

    func path(_ relative: String) -> String { path + "/" + relative }

    func prepare() throws(TranscodeError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw TranscodeError(.outputFailure, "Could not create the output directory: \(error.localizedDescription)")
        }
        // Stale segments from an earlier attempt must not end up in this manifest.
        Transcoder.removeOutputs(in: path)
    }

    func makeDirectory(_ relative: String) throws(TranscodeError) -> String {
        let directory = path(relative)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TranscodeError(.outputFailure, "Could not create \(relative): \(error.localizedDescription)")
        }
        return directory
    }
}
