import CFFmpeg
import Foundation

/// One transcode: opens the input and every encoder/muxer up front (so configuration errors surface
/// before any work), then runs the stages and assembles the published outputs.
final class TranscodeSession: @unchecked Sendable {
    private let outputDirectory: String
    private let plan: TranscodePlan
    private let control: PipelineControl
    private let info: MediaInfo
    private let reporter: ProgressReporter
    private var stages: [(name: String, body: @Sendable () throws(TranscodeError) -> Void)] = []
    private var rungs: [RungStage] = []
    private var audioStage: AudioStage?
    private var progressive: ProgressiveWriter?
    private var progressiveSpec: RenditionSpec?
    private var thumbnails: ThumbnailSheet?
    private var frameRate = AVRational(num: 0, den: 1)
    /// Seconds added to every output timestamp so no encoder emits a negative one (see OutputFormatContext).
    private var timestampOffset = 0.0
    private var audioEncoder: EncoderContext?
    /// The audio decoder, when the file has audio we can decode (nil also when it was dropped up front).
    private var audioDecoder: DecoderContext?
    /// Source streams left out, with the reason the manifest gives.
    private var droppedStreams: [TranscodeManifest.DroppedStream] = []

    init(input: String, outputDirectory: String, plan: TranscodePlan, control: PipelineControl,
         progress: @escaping @Sendable (TranscodeProgress) -> Void) throws(TranscodeError) {
        self.outputDirectory = outputDirectory
        self.plan = plan
        self.control = control
        let (context, info) = try MediaProbe.open(path: input, limits: plan.limits)
        self.info = info
        let audioInfo = info.audio
        var dropped: [TranscodeManifest.DroppedStream] = []
        var decoder: DecoderContext?
        if let audio = audioInfo {
            decoder = try Self.openAudioDecoder(stream: context.stream(at: audio.index), info: audio, hasVideo: info.video != nil, dropped: &dropped)
        }
        reporter = ProgressReporter(duration: info.duration, tracksVideo: info.video != nil, tracksAudio: decoder != nil, callback: progress)
        audioDecoder = decoder
        droppedStreams = dropped
        try prepareOutputDirectory()

        let start = context.pointer.pointee.start_time == noPTS ? 0 : context.pointer.pointee.start_time
        var routes: [Int32: BoundedQueue<Packet>] = [:]
        // The audio encoder is opened first: its priming delay is part of the common timestamp offset.
        if let audio = audioInfo, audioDecoder != nil {
            let encoder = try AudioStage.makeEncoder(sourceRate: audio.sampleRate ?? 48_000, bitRate: plan.audioBitRate)
            timestampOffset = Double(encoder.pointer.pointee.initial_padding) / Double(encoder.pointer.pointee.sample_rate)
            audioEncoder = encoder
        }
        if let video = info.video {
            let packets = BoundedQueue<Packet>(capacity: 64)
            routes[Int32(video.index)] = packets
            try prepareVideo(stream: context.stream(at: video.index), info: video, packets: packets, start: start)
        }
        if let audio = audioInfo, let audioDecoder {
            let packets = BoundedQueue<Packet>(capacity: 256)
            routes[Int32(audio.index)] = packets
            try prepareAudio(stream: context.stream(at: audio.index), decoder: audioDecoder, packets: packets, start: start)
        }
        // Discard the streams we do not read, so the demuxer skips them cheaply.
        for index in 0..<context.streamCount where routes[Int32(index)] == nil {
            context.stream(at: index).pointee.discard = AVDISCARD_ALL
        }
        let demux = DemuxStage(input: context, routes: routes, control: control)
        routes.values.forEach(control.register)
        stages.insert(("demux", { () throws(TranscodeError) in try demux.run() }), at: 0)
    }

    private func prepareOutputDirectory() throws(TranscodeError) {
        do {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw TranscodeError(.outputFailure, "Could not create the output directory: \(error.localizedDescription)")
        }
        // Stale segments from an earlier attempt must not end up in this manifest.
        Transcoder.removeOutputs(in: outputDirectory)
    }

    private func makeDirectory(_ relative: String) throws(TranscodeError) -> String {
        let path = outputDirectory + "/" + relative
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw TranscodeError(.outputFailure, "Could not create \(relative): \(error.localizedDescription)")
        }
        return path
    }

    // MARK: Video

    private func prepareVideo(stream: UnsafeMutablePointer<AVStream>, info video: StreamInfo, packets: BoundedQueue<Packet>, start: Int64) throws(TranscodeError) {
        let decoder: DecoderContext
        do {
            // On 2 cores the rung encoders alone keep both busy, so frame-threaded decoding only adds its own
            // overhead (and frames in flight); with more cores decoding may need the threads to keep up.
            decoder = try DecoderContext(stream: stream, threads: ProcessInfo.processInfo.activeProcessorCount <= 2 ? 1 : 0)
        } catch {
            throw TranscodeError(.unsupportedCodec, "The video (\(video.codec)) cannot be decoded: \(error.message).")
        }
        frameRate = VideoFilterChain.outputFrameRate(average: stream.pointee.avg_frame_rate, base: stream.pointee.r_frame_rate, cap: plan.maxFrameRate)
        let chain = VideoFilterChain.description(interlaced: video.isInterlaced ?? false, rotation: video.rotation ?? 0, frameRate: frameRate)
        let codec = decoder.pointer.pointee
        let pixelFormat = codec.pix_fmt == AV_PIX_FMT_NONE ? AV_PIX_FMT_YUV420P.rawValue : codec.pix_fmt.rawValue
        let aspect = codec.sample_aspect_ratio.num > 0 ? codec.sample_aspect_ratio : stream.pointee.sample_aspect_ratio
        let filter: FilterGraph
        do {
            filter = try FilterGraph(width: codec.width, height: codec.height, pixelFormat: pixelFormat,
                                     timeBase: stream.pointee.time_base, sampleAspect: aspect, chain: chain)
        } catch {
            throw TranscodeError.internal("Preparing the video filters", error)
        }
        let width = filter.outputWidth, height = filter.outputHeight
        let sar = filter.outputSampleAspect
        let displayWidth = Double(width) * (sar.num > 0 && sar.den > 0 ? av_q2d(sar) : 1)
        let specs = LadderLayout.renditions(displayWidth: displayWidth, displayHeight: Double(height), ladder: plan.ladder)
        guard !specs.isEmpty else {
            throw TranscodeError(.undecodable, "The video picture is too small (\(width)×\(height)) to publish.")
        }
        let timeBase = filter.outputTimeBase

        progressiveSpec = specs.first { $0.height <= plan.progressiveMaxHeight } ?? specs.last
        var encoders: [EncoderContext] = []
        let threads = EncoderThreads.perRung(specs.map { $0.width * $0.height }, requested: plan.encoderThreads,
                                             cores: ProcessInfo.processInfo.activeProcessorCount)
        for (spec, threadCount) in zip(specs, threads) {
            encoders.append(try RungStage.makeEncoder(spec: spec, timeBase: timeBase, frameRate: frameRate, threads: threadCount, plan: plan))
        }
        // Enough delay for the deepest B-frame reordering (and AAC's 1024-sample priming, below).
        let reorderFrames = encoders.map { Double($0.pointer.pointee.has_b_frames) }.max() ?? 0
        timestampOffset = max(timestampOffset, reorderFrames / av_q2d(frameRate))
        if audioDecoder == nil, let progressiveSpec, let index = specs.firstIndex(of: progressiveSpec) {
            progressive = try ProgressiveWriter(path: outputDirectory + "/" + Transcoder.Paths.progressive, video: encoders[index], audio: nil, offset: timestampOffset)
        }
        // The audio encoder is needed for the MP4's header, so the MP4 is created in prepareAudio when there is audio.
        pendingProgressiveVideo = progressiveSpec.flatMap { spec in specs.firstIndex(of: spec).map { encoders[$0] } }

        // Room for a few frames of jitter between rungs (a frame-threaded x264 takes pictures in bursts);
        // the queued frames mostly share the source picture, so this costs little memory.
        let queues = specs.map { _ in BoundedQueue<Frame>(capacity: 8) }
        queues.forEach(control.register)
        let origins = ScalingPlan.origins(sizes: specs.map { ($0.width, $0.height) }, source: (Int(width), Int(height)))
        for (index, spec) in specs.enumerated() {
            let sourceSize: (Int, Int)
            switch origins[index] {
            case .source: sourceSize = (Int(width), Int(height))
            case .rung(let taller): sourceSize = (specs[taller].width, specs[taller].height)
            }
            let passthrough = origins[index] == .source && sourceSize == (spec.width, spec.height) && (sar.num == sar.den || sar.num == 0)
            let scaler = passthrough ? nil : try Scaler(from: Int32(sourceSize.0), Int32(sourceSize.1), AV_PIX_FMT_YUV420P,
                                                        to: Int32(spec.width), Int32(spec.height), AV_PIX_FMT_YUV420P)
            let directory = try makeDirectory(Transcoder.Paths.videoDirectory(spec.name))
            let playlist = try HLSMuxer.open(directory: directory, encoder: encoders[index], offset: timestampOffset, segmentSeconds: plan.segmentSeconds)
            let reporter = self.reporter
            let rateSeconds = av_q2d(timeBase)
            let isTop = index == 0
            let dependents = origins.indices.filter { origins[$0] == .rung(index) }.map { queues[$0] }
            rungStageInputs.append((spec, scaler, encoders[index], playlist, queues[index], dependents, { pts in
                if isTop { reporter.videoFrameEncoded(at: Double(pts) * rateSeconds) }
            }))
        }
        let sourceOutputs = origins.indices.filter { origins[$0] == .source }.map { queues[$0] }

        let posterSpec = progressiveSpec ?? specs[0]
        let thumbnails = try ThumbnailSheet(duration: info.duration, displayWidth: displayWidth, displayHeight: Double(height),
                                            thumbnailWidth: plan.thumbnailWidth, posterWidth: posterSpec.width, posterHeight: posterSpec.height)
        self.thumbnails = thumbnails
        let origin = av_rescale_q(start, lectern_time_base_q(), stream.pointee.time_base)
        let source = VideoSourceStage(decoder: decoder, filter: filter, filterInput: (codec.width, codec.height, pixelFormat),
                                      packets: packets, outputs: sourceOutputs,
                                      tracksChangedRows: plan.scalesChangedRowsOnly && rungStageInputs.contains { $0.1 != nil },
                                      thumbnails: thumbnails,
                                      streamTimeBase: stream.pointee.time_base, frameRate: frameRate, origin: origin, control: control)
        let directory = outputDirectory
        stages.append(("video", { () throws(TranscodeError) in try source.run(outputDirectory: directory) }))
    }

    private var pendingProgressiveVideo: EncoderContext?
    private var rungStageInputs: [(RenditionSpec, Scaler?, EncoderContext, OutputFormatContext, BoundedQueue<Frame>, [BoundedQueue<Frame>], @Sendable (Int64) -> Void)] = []

    // MARK: Audio

    /// Opens the audio decoder. Audio we cannot decode beside a video is dropped (noted in `dropped`) so the
    /// lecture still publishes, silent; without a video there would be nothing left, so that fails.
    private static func openAudioDecoder(stream: UnsafeMutablePointer<AVStream>, info audio: StreamInfo, hasVideo: Bool,
                                         dropped: inout [TranscodeManifest.DroppedStream]) throws(TranscodeError) -> DecoderContext? {
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
        guard hasVideo else { throw TranscodeError(.unsupportedCodec, problem + " There is no video either, so there is nothing to publish.") }
        dropped.append(.init(kind: .audio, codec: audio.codec, reason: problem + " The lecture was published without sound."))
        return nil
    }

    private func prepareAudio(stream: UnsafeMutablePointer<AVStream>, decoder: DecoderContext, packets: BoundedQueue<Packet>, start: Int64) throws(TranscodeError) {
        guard let encoder = audioEncoder else { return }
        if let video = pendingProgressiveVideo {
            progressive = try ProgressiveWriter(path: outputDirectory + "/" + Transcoder.Paths.progressive, video: video, audio: encoder, offset: timestampOffset)
        }
        let directory = try makeDirectory(Transcoder.Paths.audioDirectory)
        let playlist = try HLSMuxer.open(directory: directory, encoder: encoder, offset: timestampOffset, segmentSeconds: plan.segmentSeconds)
        let reporter = self.reporter
        let stage = try AudioStage(decoder: decoder, encoder: encoder, playlist: playlist, progressive: progressive, packets: packets,
                                   mayBeDropped: info.video != nil,
                                   streamTimeBase: stream.pointee.time_base,
                                   origin: av_rescale_q(start, lectern_time_base_q(), stream.pointee.time_base),
                                   control: control, onProgress: { reporter.audioEncoded(upTo: $0) })
        audioStage = stage
        stages.append(("audio", { () throws(TranscodeError) in try stage.run() }))
    }

    static let followerRungNice: Int32 = 5

    private func makeRungStages() {
        for (spec, scaler, encoder, playlist, input, dependents, onFrame) in rungStageInputs {
            let stage = RungStage(spec: spec, scaler: scaler, encoder: encoder, playlist: playlist,
                                  progressive: spec == progressiveSpec ? progressive : nil,
                                  input: input, dependents: dependents, scalesChangedRowsOnly: plan.scalesChangedRowsOnly,
                                  control: control, onFrameEncoded: onFrame)
            // The top rung carries the most pixels, on one x264 thread: it sets the ladder's pace. When the other
            // rungs share a core with it on equal terms it falls behind, its queue fills, the decoder waits and
            // the smaller rungs run dry, leaving a core idle; a lower priority for them (nice 5) keeps the top
            // rung running and lets them fill the remaining CPU (measured: ~176 % → ~190 % of 2 cores busy).
            if !rungs.isEmpty { stage.threadNice = Self.followerRungNice }
            rungs.append(stage)
            stages.append(("rung-\(spec.name)", { () throws(TranscodeError) in try stage.run() }))
        }
        rungStageInputs.removeAll()
    }

    // MARK: Run

    func run() async throws(TranscodeError) -> TranscodeManifest {
        makeRungStages()
        await StageRunner.run(stages, control: control)
        stages.removeAll()
        if let failure = control.failure { throw failure }
        if let error = progressive?.finishError { throw error }
        let manifest = try assemble()
        reporter.finished()
        return manifest
    }

    private func assemble() throws(TranscodeError) -> TranscodeManifest {
        var videos: [TranscodeManifest.VideoRendition] = []
        var masterVideos: [MasterPlaylist.Video] = []
        for rung in rungs {
            let relative = Transcoder.Paths.videoDirectory(rung.spec.name) + "/" + HLSMuxer.playlistName
            let measured = try measure(playlist: relative)
            let codecs = CodecString.avc1(extradata: rung.encoder.extradata) ?? "avc1.640028"
            let rate = av_q2d(frameRate)
            videos.append(.init(name: rung.spec.name, width: rung.spec.width, height: rung.spec.height, codecs: codecs, frameRate: rate,
                                bandwidth: measured.peak, averageBandwidth: measured.average, maxBitRate: rung.spec.rung.maxBitRate,
                                playlist: relative, segmentCount: measured.summary.segments.count, duration: measured.summary.duration))
            masterVideos.append(.init(uri: relative, bandwidth: measured.peak, averageBandwidth: measured.average,
                                      width: rung.spec.width, height: rung.spec.height, codecs: codecs, frameRate: rate))
        }
        var audio: TranscodeManifest.AudioRendition?
        var masterAudio: MasterPlaylist.Audio?
        if let reason = audioStage?.droppedReason {
            // Every audio packet failed to decode: publish the video alone. The MP4's audio track got no
            // samples, and the mp4 muxer leaves empty tracks out, so the download is video-only as it is.
            droppedStreams.append(.init(kind: .audio, codec: info.audio?.codec ?? "unknown", reason: reason))
            try? FileManager.default.removeItem(atPath: outputDirectory + "/" + Transcoder.Paths.audioDirectory)
            audioStage = nil
        }
        if let audioStage {
            let relative = Transcoder.Paths.audioDirectory + "/" + HLSMuxer.playlistName
            let measured = try measure(playlist: relative)
            let context = audioStage.encoder.pointer.pointee
            audio = .init(codecs: CodecString.aacLC, channels: Int(context.ch_layout.nb_channels), sampleRate: Int(context.sample_rate),
                          bitRate: plan.audioBitRate, bandwidth: measured.peak, averageBandwidth: measured.average, playlist: relative,
                          segmentCount: measured.summary.segments.count, duration: measured.summary.duration)
            masterAudio = .init(uri: relative, bandwidth: measured.peak, averageBandwidth: measured.average, codecs: CodecString.aacLC)
        }
        let master = MasterPlaylist(videos: masterVideos, audio: masterAudio).render()
        do {
            try master.write(toFile: outputDirectory + "/" + Transcoder.Paths.master, atomically: true, encoding: .utf8)
        } catch {
            throw TranscodeError(.outputFailure, "Could not write the master playlist: \(error.localizedDescription)")
        }
        let storyboard = thumbnails.map { sheet in
            TranscodeManifest.Storyboard(image: Transcoder.Paths.storyboardImage, cues: Transcoder.Paths.storyboardCues,
                                         interval: sheet.layout.interval, thumbnailWidth: sheet.layout.thumbnailWidth,
                                         thumbnailHeight: sheet.layout.thumbnailHeight, columns: sheet.layout.columns, count: sheet.layout.count)
        }
        let files = try FileDigest.inventory(of: outputDirectory, excluding: [TranscodeManifest.fileName])
        let duration = videos.first?.duration ?? audio?.duration ?? info.duration ?? 0
        let manifest = TranscodeManifest(
            duration: duration, source: info, masterPlaylist: Transcoder.Paths.master, video: videos, audio: audio,
            progressive: progressiveSpec.map { .init(path: Transcoder.Paths.progressive, width: $0.width, height: $0.height, hasAudio: audioStage != nil) },
            poster: thumbnails == nil ? nil : Transcoder.Paths.poster, storyboard: storyboard,
            droppedStreams: droppedStreams.isEmpty ? nil : droppedStreams, files: files)
        try manifest.write(to: outputDirectory)
        return manifest
    }

    /// Peak (largest segment) and average bit rates of a finished media playlist, including its init segment.
    private func measure(playlist relative: String) throws(TranscodeError) -> (summary: MediaPlaylistSummary, peak: Int, average: Int) {
        let path = outputDirectory + "/" + relative
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TranscodeError(.outputFailure, "The playlist \(relative) was not written.")
        }
        let summary = MediaPlaylistSummary(text: text)
        let directory = (path as NSString).deletingLastPathComponent
        func size(_ name: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: directory + "/" + name))?[.size] as? Int) ?? 0
        }
        var peak = 0.0, total = 0
        for segment in summary.segments {
            let bytes = size(segment.uri)
            total += bytes
            if segment.duration > 0.5 { peak = max(peak, Double(bytes * 8) / segment.duration) }
        }
        let duration = summary.duration
        let average = duration > 0 ? Int(Double(total * 8) / duration) : 0
        return (summary, max(Int(peak.rounded(.up)), average), average)
    }
}
