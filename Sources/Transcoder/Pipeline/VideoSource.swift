import CFFmpeg
import Foundation

/// The video side of a pipeline being opened: the decoder, the filter graph (deinterlace, rotate, frame rate, colour),
/// the ladder resolved against the filtered picture and one open x264 encoder per rung. It opens no files;
/// `rungInputs` opens the rung playlists once the common timestamp offset (which needs `reorderDelay`) is known.
struct VideoSource {
    let stream: UnsafeMutablePointer<AVStream>
    let decoder: DecoderContext
    let filter: FilterGraph
    /// The decoder's picture as the filter graph's input: width, height, pixel format.
    let filterInput: (width: Int32, height: Int32, pixelFormat: Int32)
    let frameRate: AVRational
    /// The filtered picture's width as displayed (sample aspect applied), for the ladder and the thumbnails.
    let displayWidth: Double
    /// The renditions, tallest first, and their encoders (same order).
    let specs: [RenditionSpec]
    let encoders: [EncoderContext]
    /// What the picture needed to look as meant (turned upright, tone-mapped, levels or colours converted).
    var corrections: [TranscodeManifest.Correction] = []
    /// The colour every rendition is in and tagged with.
    var outputColour = ColourDescription.bt709

    /// The rung the MP4 download carries; a split lecture's stitch picks it by the same rule.
    var progressiveSpec: RenditionSpec {
        specs[ProgressiveRemux.rungIndex(heights: specs.map(\.height), maxHeight: plan.progressiveMaxHeight) ?? 0]
    }
    private let plan: TranscodePlan

    static func open(
        stream: UnsafeMutablePointer<AVStream>,
        info video: StreamInfo,
        plan: TranscodePlan
    ) throws(TranscodeError) -> VideoSource {
        let decoder: DecoderContext
        do {
            // On 2 cores the rung encoders alone keep both busy, so frame-threaded decoding only adds its own
            // overhead (and frames in flight); with more cores decoding may need the threads to keep up.
            decoder = try DecoderContext(
                stream: stream,
                threads: ProcessInfo.processInfo.activeProcessorCount <= 2 ? 1 : 0
            )
        } catch {
            throw TranscodeError(.unsupportedCodec, "The video (\(video.codec)) cannot be decoded: \(error.message).")
        }
        let frameRate = VideoFilterChain.outputFrameRate(
            average: stream.pointee.avg_frame_rate,
            base: stream.pointee.r_frame_rate,
            cap: plan.maxFrameRate
        )
        let codec = decoder.pointer.pointee
        let pixelFormat = codec.pix_fmt == AV_PIX_FMT_NONE ? AV_PIX_FMT_YUV420P.rawValue : codec.pix_fmt.rawValue
        let orientation = Orientation.of(stream)
        let colour = ColourConversion.plan(
            source: ColourDescription(parameters: stream.pointee.codecpar.pointee),
            pixelFormat: AVPixelFormat(rawValue: pixelFormat),
            width: Int(codec.width),
            height: Int(codec.height)
        )
        if let missing = colour.missingFilter {
            throw TranscodeError(
                .internalFailure,
                """
                This worker's FFmpeg has no \(missing) filter, which converting this video's colours \
                needs (libavfilter with libzimg).
                """
            )
        }
        let chain = VideoFilterChain.description(
            interlaced: video.isInterlaced ?? false,
            orientation: orientation.filters(width: Int(codec.width), height: Int(codec.height)),
            frameRate: frameRate,
            colour: colour.filters
        )
        let aspect = codec.sample_aspect_ratio.num > 0 ? codec.sample_aspect_ratio : stream.pointee.sample_aspect_ratio
        let filter: FilterGraph
        do {
            filter = try FilterGraph(
                width: codec.width,
                height: codec.height,
                pixelFormat: pixelFormat,
                timeBase: stream.pointee.time_base,
                sampleAspect: aspect,
                chain: chain
            )
        } catch {
            throw TranscodeError.internal("Preparing the video filters", error)
        }
        let width = filter.outputWidth, height = filter.outputHeight
        let sar = filter.outputSampleAspect
        let displayWidth = Double(width) * (sar.num > 0 && sar.den > 0 ? av_q2d(sar) : 1)
        let specs = LadderLayout.renditions(
            displayWidth: displayWidth,
            displayHeight: Double(height),
            ladder: plan.ladder
        )
        guard !specs.isEmpty else {
            throw TranscodeError(.undecodable, "The video picture is too small (\(width)×\(height)) to publish.")
        }
        let threads = EncoderThreads.perRung(
            specs.map { $0.width * $0.height },
            requested: plan.encoderThreads,
            cores: ProcessInfo.processInfo.activeProcessorCount
        )
        var encoders: [EncoderContext] = []
        for (spec, threadCount) in zip(specs, threads) {
            encoders.append(
                try RungStage.makeEncoder(
                    spec: spec,
                    timeBase: filter.outputTimeBase,
                    frameRate: frameRate,
                    threads: threadCount,
                    plan: plan,
                    colour: colour.output
                )
            )
        }
        var source = VideoSource(
            stream: stream,
            decoder: decoder,
            filter: filter,
            filterInput: (codec.width, codec.height, pixelFormat),
            frameRate: frameRate,
            displayWidth: displayWidth,
            specs: specs,
            encoders: encoders,
            plan: plan
        )
        source.corrections = [orientation.correction].compactMap { $0 } + colour.corrections
        source.outputColour = colour.output
        return source
    }

    /// Seconds of delay the deepest B-frame reordering needs before the first output timestamp.
    var reorderDelay: Double {
        (encoders.map { Double($0.pointer.pointee.has_b_frames) }.max() ?? 0) / av_q2d(frameRate)
    }

    func encoder(for spec: RenditionSpec) -> EncoderContext {
        encoders[specs.firstIndex(of: spec)!]
    }

    /// One `RungInputs` per rendition: its scaler (or none when it takes the source picture as it is), its frame
    /// queue, the queues of the rungs scaled from it, and its HLS playlist opened with the final `offset`.
    func rungInputs(
        outputs: OutputDirectory,
        offset: Double,
        plan: TranscodePlan,
        control: PipelineControl,
        reporter: ProgressReporter
    ) throws(TranscodeError) -> [TranscodePipeline.RungInputs] {
        let width = Int(filter.outputWidth), height = Int(filter.outputHeight)
        let sar = filter.outputSampleAspect
        // Room for a few frames of jitter between rungs (a frame-threaded x264 takes pictures in bursts);
        // the queued frames mostly share the source picture, so this costs little memory.
        let queues = specs.map { _ in BoundedQueue<Frame>(capacity: 8) }
        queues.forEach(control.register)
        let origins = ScalingPlan.origins(sizes: specs.map { ($0.width, $0.height) }, source: (width, height))
        let rateSeconds = av_q2d(filter.outputTimeBase), pictureRate = av_q2d(frameRate)
        var inputs: [TranscodePipeline.RungInputs] = []
        for (index, spec) in specs.enumerated() {
            let sourceSize: (Int, Int)
            switch origins[index] {
            case .source: sourceSize = (width, height)
            case .rung(let taller): sourceSize = (specs[taller].width, specs[taller].height)
            }
            let passthrough =
                origins[index] == .source && sourceSize == (spec.width, spec.height)
                && (sar.num == sar.den || sar.num == 0)
            let scaler =
                passthrough
                ? nil
                : try Scaler(
                    from: Int32(sourceSize.0),
                    Int32(sourceSize.1),
                    AV_PIX_FMT_YUV420P,
                    to: Int32(spec.width),
                    Int32(spec.height),
                    AV_PIX_FMT_YUV420P
                )
            let directory = try outputs.makeDirectory(Transcoder.Paths.videoDirectory(spec.name))
            let playlist = try HLSMuxer.open(
                directory: directory,
                encoder: encoders[index],
                offset: offset,
                segmentSeconds: plan.segmentSeconds,
                firstSegmentNumber: plan.chunkFirstSegmentNumber,
                cutsAtEveryKeyframe: plan.placesKeyframesByContent
            )
            let isTop = index == 0
            inputs.append(
                .init(
                    spec: spec,
                    scaler: scaler,
                    encoder: encoders[index],
                    playlist: playlist,
                    input: queues[index],
                    dependents: origins.indices.filter { origins[$0] == .rung(index) }.map { queues[$0] },
                    onFrameEncoded: { pts in
                        guard isTop else { return }
                        let time = Double(pts) * rateSeconds
                        reporter.videoFrameEncoded(at: time, picture: Int((time * pictureRate).rounded()))
                    }
                )
            )
        }
        return inputs
    }

    /// The storyboard and poster; the poster takes the progressive rung's size.
    func thumbnailSheet(duration: Double?, plan: TranscodePlan) throws(TranscodeError) -> ThumbnailSheet {
        let poster = progressiveSpec
        let sheet = try ThumbnailSheet(
            duration: duration,
            displayWidth: displayWidth,
            displayHeight: Double(filter.outputHeight),
            thumbnailWidth: plan.thumbnailWidth,
            posterWidth: poster.width,
            posterHeight: poster.height
        )
        sheet.sourceMatrix = outputColour.matrix
        return sheet
    }

    /// The stage that decodes and filters, feeding the rungs that take the source picture.
    func sourceStage(
        packets: BoundedQueue<Packet>,
        rungs: [TranscodePipeline.RungInputs],
        thumbnails: ThumbnailSheet,
        start: Int64,
        plan: TranscodePlan,
        control: PipelineControl
    ) -> VideoSourceStage {
        let origins = ScalingPlan.origins(
            sizes: specs.map { ($0.width, $0.height) },
            source: (Int(filter.outputWidth), Int(filter.outputHeight))
        )
        let sourceOutputs = origins.indices.filter { origins[$0] == .source }.map { rungs[$0].input }
        return VideoSourceStage(
            decoder: decoder,
            filter: filter,
            filterInput: filterInput,
            packets: packets,
            outputs: sourceOutputs,
            tracksChangedRows: plan.scalesChangedRowsOnly && rungs.contains { $0.scaler != nil },
            thumbnails: thumbnails,
            streamTimeBase: stream.pointee.time_base,
            frameRate: frameRate,
            origin: av_rescale_q(start, lectern_time_base_q(), stream.pointee.time_base),
            control: control
        )
    }
}
