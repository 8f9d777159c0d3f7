import CFFmpeg

/// Whether a source can be encoded as chunks (issue #15), and if so the chunks and the timestamp offset every
/// video chunk must carry. When it cannot, the answer says why in words the manifest can show, and the caller
/// encodes the file whole.
public enum SplitProbe {
    public enum Answer: Sendable, Equatable {
        case splittable(SplitLayout)
        case wholeOnly(reason: String)
    }

    /// A split encode's layout: the video chunks in order (the last runs to the source's end), and the whole
    /// encode's timestamp offset (AAC priming or B-frame delay, whichever is longer; see `PipelineOpening`).
    public struct SplitLayout: Sendable, Equatable {
        public var chunks: [TimeRange]
        public var timestampOffset: Double
        public var hasAudio: Bool

        public init(chunks: [TimeRange], timestampOffset: Double, hasAudio: Bool) {
            self.chunks = chunks
            self.timestampOffset = timestampOffset
            self.hasAudio = hasAudio
        }

        /// The plan for video chunk `index` (video only, the common offset).
        public func videoPlan(_ index: Int, base: TranscodePlan) -> TranscodePlan {
            videoPlan(for: chunks[index], base: base)
        }

        /// The plan for a video chunk covering `range` (the CLI's `--range`).
        public func videoPlan(for range: TimeRange, base: TranscodePlan) -> TranscodePlan {
            var plan = base
            plan.range = range
            plan.audio = .exclude
            plan.timestampOffset = timestampOffset
            // A chunk run again (a redelivered job) must write the same bytes. x264's frame threads do not: two
            // whole encodes of the same clip with 2 threads on a rung differed from its second segment on, with 1
            // thread they were identical. Chunks get their parallelism from running side by side instead.
            plan.encoderThreads = 1
            return plan
        }

        /// The plan for the one audio chunk: the whole lecture's sound, with the same offset.
        public func audioPlan(base: TranscodePlan) -> TranscodePlan {
            var plan = base
            plan.range = nil
            plan.audio = .only
            plan.timestampOffset = timestampOffset
            return plan
        }
    }

    /// Containers whose index lets us seek to a keyframe exactly (MP4/MOV sample tables, Matroska cues). Others
    /// (MPEG-TS, raw streams) seek by guessing byte positions, which could start a chunk on the wrong picture.
    static let indexedContainers = ["mov", "mp4", "matroska", "webm"]

    /// - Parameter chunkSeconds: the wanted chunk length, rounded up to a multiple of the segment length.
    public static func examine(
        input: String,
        plan: TranscodePlan,
        chunkSeconds: Int
    ) throws(TranscodeError) -> Answer {
        try examine(.path(input), plan: plan, chunkSeconds: chunkSeconds)
    }

    /// The same answer for a recording read through a byte source (the worker's S3 object: the header and index
    /// only, a few ranged GETs). `chunkSeconds` is asked once the duration is known (a long lecture gets longer
    /// chunks so their count stays bounded). Runs on a thread of its own, since the source's reads block.
    public static func examine(
        source: any MediaByteSource,
        plan: TranscodePlan,
        chunkSeconds: @escaping @Sendable (_ duration: Double) -> Int
    ) async throws(TranscodeError) -> (answer: Answer, duration: Double?) {
        try await OpeningThread.run(name: "split-probe") { () throws(TranscodeError) -> (Answer, Double?) in
            let (context, info) = try MediaProbe.open(.source(source), limits: plan.limits)
            let seconds = chunkSeconds(info.duration ?? 0)
            return (try examine(context: context, info: info, plan: plan, chunkSeconds: seconds), info.duration)
        }
    }

    private static func examine(
        _ input: TranscodeInput,
        plan: TranscodePlan,
        chunkSeconds: Int
    ) throws(TranscodeError) -> Answer {
        let (context, info) = try MediaProbe.open(input, limits: plan.limits)
        return try examine(context: context, info: info, plan: plan, chunkSeconds: chunkSeconds)
    }

    private static func examine(
        context: InputFormatContext,
        info: MediaInfo,
        plan: TranscodePlan,
        chunkSeconds: Int
    ) throws(TranscodeError) -> Answer {
        guard let video = info.video else {
            return .wholeOnly(reason: "The recording has no video; its sound is encoded in one piece.")
        }
        let format = context.formatName
        guard indexedContainers.contains(where: { format.split(separator: ",").contains(Substring($0)) }) else {
            return .wholeOnly(
                reason: "The recording's container (\(format)) has no index to start a chunk on an exact picture; "
                    + "it is encoded in one piece."
            )
        }
        let stream = context.stream(at: video.index)
        if format.contains("mp4") && avformat_index_get_entries_count(stream) <= 0 {
            return .wholeOnly(reason: "The recording's video has no sample index; it is encoded in one piece.")
        }
        guard let duration = info.duration, duration > 0 else {
            return .wholeOnly(reason: "The recording does not say how long it is; it is encoded in one piece.")
        }
        let segment = plan.segmentSeconds
        let length = max(segment, (chunkSeconds + segment - 1) / segment * segment)
        var chunks: [TimeRange] = []
        var start = 0
        // A last chunk shorter than one segment is folded into the one before it.
        while Double(start + length + segment) < duration {
            chunks.append(TimeRange(start: start, end: start + length))
            start += length
        }
        chunks.append(TimeRange(start: start, end: nil))
        return .splittable(
            SplitLayout(
                chunks: chunks,
                timestampOffset: try wholeEncodeOffset(context: context, info: info, plan: plan),
                hasAudio: info.audio?.isDecodable ?? false
            )
        )
    }

    /// The offset `TranscodePipeline.open` computes for a whole encode, from the same encoders.
    private static func wholeEncodeOffset(
        context: InputFormatContext,
        info: MediaInfo,
        plan: TranscodePlan
    ) throws(TranscodeError) -> Double {
        var offset = 0.0
        if let audio = info.audio, audio.isDecodable {
            let encoder = try AudioStage.makeEncoder(sourceRate: audio.sampleRate ?? 48_000, bitRate: plan.audioBitRate)
            offset = Double(encoder.pointer.pointee.initial_padding) / Double(encoder.pointer.pointee.sample_rate)
        }
        if let video = info.video {
            let source = try VideoSource.open(stream: context.stream(at: video.index), info: video, plan: plan)
            offset = max(offset, source.reorderDelay)
        }
        return offset
    }
}
