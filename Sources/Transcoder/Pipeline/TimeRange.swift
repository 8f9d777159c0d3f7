import CFFmpeg

/// A stretch of the source to encode as one chunk of a split encode (issue #15): `[start, end)` in whole
/// seconds on the source's timeline (zero at the source's first timestamp), both multiples of the plan's
/// segment length so every chunk begins on a segment boundary. `end == nil` runs to the source's end (the last
/// chunk). See "Split encoding" in docs/ARCHITECTURE.md for the contract a chunk keeps.
public struct TimeRange: Sendable, Equatable, Codable {
    public var start: Int
    public var end: Int?

    public init(start: Int, end: Int?) {
        self.start = start
        self.end = end
    }

    /// Parses the CLI's `START:END` or `START:` (seconds).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int(parts[0]), start >= 0 else { return nil }
        let end = parts[1].isEmpty ? nil : Int(parts[1])
        if !parts[1].isEmpty && (end == nil || end! <= start) { return nil }
        self.init(start: start, end: end)
    }
}

/// Which of the source's sound a transcode encodes: all of it beside the video (a whole-file encode), none
/// (a video chunk), or only the sound (the split encode's one audio chunk, for the whole lecture, so AAC's
/// priming never makes a seam).
public enum AudioSelection: String, Sendable, Equatable, Codable {
    case include, exclude, only
}

extension TranscodePlan {
    /// The plan's range checked against its other settings; nil for a whole-file encode.
    func checkedRange() throws(TranscodeError) -> TimeRange? {
        guard let range else { return nil }
        let segment = segmentSeconds
        guard range.start % segment == 0, (range.end ?? 0) % segment == 0 else {
            throw TranscodeError(
                .invalidPlan,
                "A chunk must start and end on a segment boundary (multiples of \(segment) s); got \(range.start)–"
                    + "\(range.end.map(String.init) ?? "end")."
            )
        }
        guard audio == .exclude else {
            throw TranscodeError(
                .invalidPlan,
                "A chunk carries video only (its sound is encoded once for the whole lecture): use audio .exclude."
            )
        }
        guard timestampOffset != nil else {
            throw TranscodeError(
                .invalidPlan,
                "A chunk needs the whole encode's timestamp offset (see SplitProbe) so its timestamps match."
            )
        }
        return range
    }

    /// The number of a chunk's first segment; nil for a whole-file encode. With the fixed cadence, the whole
    /// encode's segment that starts where the chunk does. With keyframes placed by content a chunk's segments are
    /// as many as its keyframes, known only once it is encoded: numbered from the chunk's start second, which
    /// leaves room for one segment a second (`KeyframePlacement`'s shortest GOP), so chunks never share a number.
    var chunkFirstSegmentNumber: Int? {
        range.map { placesKeyframesByContent ? $0.start : $0.start / segmentSeconds }
    }
}

/// The frames a video chunk keeps, in the filter graph's output time base: those shown in `[start, end)`; and the
/// wider stretch its encoders are fed, `[encodeStart, encodeEnd)`, whose extra pictures are encoded and thrown away.
struct FrameWindow: Sendable {
    let start: Int64
    let end: Int64?
    let encodeStart: Int64
    let encodeEnd: Int64?

    /// `leadIn` seconds before the chunk (a whole number of GOPs, so x264's fixed cadence puts its keyframes where
    /// the whole encode does) and `tail` seconds after it are encoded too: see `ChunkPadding`.
    init(range: TimeRange, timeBase: AVRational, padding: ChunkPadding = ChunkPadding(leadIn: 0, tail: 0)) {
        func ticks(_ seconds: Double) -> Int64 {
            av_rescale_q(Int64((seconds * 1000).rounded()), AVRational(num: 1, den: 1000), timeBase)
        }
        start = ticks(Double(range.start))
        end = range.end.map { ticks(Double($0)) }
        encodeStart = ticks(Double(range.leadingIn(padding).start))
        encodeEnd = range.end.map { ticks(Double($0) + padding.tail) }
    }

    /// Whether the chunk keeps (muxes) this picture.
    func contains(_ pts: Int64) -> Bool { pts >= start && (end.map { pts < $0 } ?? true) }
    /// Whether the encoders get this picture.
    func encodes(_ pts: Int64) -> Bool { pts >= encodeStart && (encodeEnd.map { pts < $0 } ?? true) }
    /// How many of the chunk's edges (its start, its end) are at or before this picture: 0 in the lead-in, 1 in
    /// the chunk, 2 in the tail. The first picture past an edge starts a GOP (`KeyframePlacement`).
    func edgesPassed(_ pts: Int64) -> Int { (pts >= start ? 1 : 0) + (end.map { pts >= $0 ? 1 : 0 } ?? 0) }
    /// Whether this picture is past everything the encoders get.
    func isPast(_ pts: Int64) -> Bool { encodeEnd.map { pts >= $0 } ?? false }
}

/// Pictures a video chunk encodes beyond its own stretch and throws away, so its seams cost nothing measurable:
/// without them x264 starts each chunk with fresh rate-control (VBV) and lookahead state and cuts its lookahead at
/// the chunk's end. Measured on `SplitEncodeTests`' 60 s clip in three chunks (2 s segments), PSNR of the stitched
/// rungs minus the whole encode's: none −0.055 dB; a 2 s tail alone −0.052; a one-GOP lead-in alone −0.004; both
/// −0.00005 dB and 0 (the 120p rung's bytes are the whole encode's). The cost is the padding's pictures: for 180 s
/// chunks of 6 s segments, 7 s more per chunk (3.9 %).
struct ChunkPadding: Sendable, Equatable {
    /// Whole seconds before the chunk's start: a multiple of the GOP (segment) length, so x264's fixed cadence,
    /// counted from the first picture it gets, puts its keyframes where the whole encode does.
    var leadIn: Int
    /// Seconds after the chunk's end: at least x264's rate-control lookahead (10 pictures at `veryfast`, 40 at
    /// `medium`: 1.3 s at 30 fps).
    var tail: Double
}

extension TimeRange {
    /// The chunk started `padding.leadIn` seconds earlier (never before the source's start): where its decoding
    /// begins (`RangeSeek`) and its encoders' first picture (`FrameWindow.encodeStart`).
    func leadingIn(_ padding: ChunkPadding) -> TimeRange {
        TimeRange(start: max(0, start - padding.leadIn), end: end)
    }
}

extension TranscodePlan {
    /// What a chunk of this plan encodes beyond its stretch: one GOP before it, 1 s after it (measured: 1 s and 2 s
    /// tails gave the same bytes at `veryfast`).
    var chunkPadding: ChunkPadding { ChunkPadding(leadIn: segmentSeconds, tail: 1) }
}

/// Moving the demuxer to a chunk's start before any packet is read.
enum RangeSeek {
    /// Seeks the video stream to the keyframe at or before `range.start` (the decoder needs it; the pictures
    /// before `start` are decoded and dropped by the `FrameWindow`). `origin` is the source's start time in
    /// AV_TIME_BASE units, as the pipeline subtracts it.
    static func seek(
        _ input: InputFormatContext,
        videoStream index: Int,
        to range: TimeRange,
        origin: Int64
    ) throws(TranscodeError) {
        guard range.start > 0 else { return }
        let stream = input.stream(at: index)
        let target = av_rescale_q(
            origin + Int64(range.start) * Int64(AV_TIME_BASE),
            lectern_time_base_q(),
            stream.pointee.time_base
        )
        let result = av_seek_frame(input.pointer, Int32(index), target, AVSEEK_FLAG_BACKWARD)
        guard result >= 0 else {
            if let failure = input.customIO?.failure { throw failure }
            throw TranscodeError(
                .undecodable,
                "The recording cannot be read from \(range.start) s on (it has no index to seek with); "
                    + "encode it whole instead."
            )
        }
    }
}

/// The `hls` muxer options that make a chunk's segments the whole encode's (see `HLSMuxer.open`).
enum ChunkMuxing {
    static func options(firstSegmentNumber: Int?) -> [String: String] {
        guard let firstSegmentNumber else { return [:] }
        return [
            // Numbering continues from the whole encode's segment that starts where the chunk does.
            "start_number": String(firstSegmentNumber),
            // Without frag_discont the mp4 muxer rebases the chunk to zero (tfdt 0) and records its real start as
            // an empty edit in the init segment, so every chunk's init would differ; with it the fragments keep
            // the whole timeline's decode times (tfdt) and the init segment is the same for every chunk
            // (measured with the ffmpeg CLI: tfdt 0 and a 10 s empty edit vs tfdt 10 s and no empty edit).
            "hls_segment_options": "movflags=+frag_discont",
        ]
    }

    /// Sets the options on the muxer before its header is written.
    static func apply(to muxer: OutputFormatContext, firstSegmentNumber: Int?) throws(AVError) {
        for (key, value) in options(firstSegmentNumber: firstSegmentNumber) {
            try check(av_opt_set(muxer.pointer.pointee.priv_data, key, value, 0))
        }
    }
}

extension TranscodePlan {
    /// A chunk must have something to encode: video for a video chunk, sound for the audio chunk.
    func checkSelection(hasVideo: Bool, hasAudio: Bool, duration: Double?) throws(TranscodeError) {
        if let range, let duration, Double(range.start) >= duration {
            throw TranscodeError(
                .invalidPlan,
                "A chunk cannot start at \(range.start) s: the recording is \(String(format: "%.1f", duration)) s long."
            )
        }
        if audio == .exclude && !hasVideo {
            throw TranscodeError(.invalidPlan, "The recording has no video, so a video-only encode has nothing to do.")
        }
        if audio == .only && !hasAudio {
            throw TranscodeError(.invalidPlan, "The recording has no sound, so an audio-only encode has nothing to do.")
        }
    }
}

/// Where a video chunk stops reading: the first video packet decoded 2 s past the chunk's end. Every picture shown
/// before `end` is decoded before it is shown (dts ≤ pts), and the margin leaves the frame-rate filter the pictures
/// after `end` it may look at; the pictures in the margin are decoded and dropped (`FrameWindow`). Without it
/// the first chunk of a two-hour lecture would read the whole file.
struct ReadLimit {
    let streamIndex: Int32
    let dts: Int64

    init?(range: TimeRange, stream: UnsafeMutablePointer<AVStream>, origin: Int64) {
        guard let end = range.end else { return nil }
        streamIndex = stream.pointee.index
        dts = av_rescale_q(
            origin + Int64(end + 2) * Int64(AV_TIME_BASE),
            lectern_time_base_q(),
            stream.pointee.time_base
        )
    }

    func isReached(by packet: Packet) -> Bool {
        packet.streamIndex == streamIndex && packet.dts != noPTS && packet.dts >= dts
    }
}
