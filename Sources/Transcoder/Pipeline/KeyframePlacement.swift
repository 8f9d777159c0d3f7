import CFFmpeg

/// Where every rung's keyframes (and so its HLS segment cuts) go, decided once per picture in the source stage
/// and carried on the frame (`AVFrame.pict_type = AV_PICTURE_TYPE_I`, which x264 turns into an IDR with
/// `forced-idr=1`), so all rungs cut at the same pictures (issue #16, "Fewer bytes for still slides").
///
/// With a fixed GOP of one segment a still slide is re-sent as an IDR every 6 s, and each slide change is a
/// near-intra P-frame in the middle of a GOP: on the benchmark's slides-only deck those IDRs are most of the
/// bytes (see `Benchmarks/README.md`). So:
/// - in a still stretch, a picture that changes in many places right after a still picture (a slide change)
///   starts a GOP;
///   requiring a still picture before it bounds the rule against storms: a fade or a camera that fills the
///   frame changes every picture, so at most its first picture qualifies;
/// - while the picture moves (a camera window, a pointer) the fixed cadence holds: a keyframe one segment
///   after the last one, as the ffmpeg CLI ladder does, so a camera lecture gets no extra IDRs;
/// - while the picture stays still no periodic keyframe is placed, up to `maximumFrames` (4 segments), so
///   seeking still lands in a short, cheap segment and EXT-X-TARGETDURATION stays small;
/// - no two keyframes closer than `minimumFrames` (1 s): the HLS muxer is opened with an `hls_time` below that
///   (`HLSMuxer.variableSegmentSeconds`) so it cuts at every keyframe, and none is skipped.
///
/// A split encode's chunk places its keyframes the same way (issue #15 meets #16: every lecture of 10 minutes or
/// more is split, so without it most lectures lost the still-slide savings). Decisions depend on the pictures since
/// the last keyframe, which a chunk that starts mid-way cannot know, so the chunk's first picture and the first
/// picture past its end (in the tail it encodes and throws away) each start a GOP (`forced`): every chunk then
/// starts with an IDR, and its last picture is shown up to the next chunk's start. That costs one IDR per chunk
/// boundary (one every few minutes) over a whole encode. Its segments are as many as its keyframes, so a chunk's
/// segment numbers start at its start second (`TranscodePlan.chunkFirstSegmentNumber`): keyframes are at least
/// 1 s apart, so a chunk of L seconds never writes more than L segments and never reaches the next chunk's numbers.
struct KeyframePlacement: Sendable {
    /// The keyframe spacing while the picture moves (one segment), in pictures.
    let segmentFrames: Int
    /// The longest GOP (and segment) during a still stretch, in pictures.
    let maximumFrames: Int
    /// The shortest GOP a slide change may cut, in pictures.
    let minimumFrames: Int
    /// A picture is still while at most this share of its coarse cells changed (`CoarseDifference`): a mouse
    /// pointer touches 2 of the 576; a 384 × 216 camera window in a 1080p corner up to 28 (5 %) when all of its
    /// picture moves.
    static let stillShare = 0.01
    /// A picture right after a still one starts a GOP when at least this share of its cells changed: a new
    /// title or a few replaced text lines on a slide touch 10–40 % of the cells.
    static let slideChangeShare = 0.08

    /// Pictures since the last keyframe; nil before the first picture.
    private var sinceKeyframe: Int?
    /// Whether any picture since the last keyframe differed from the one before it.
    private var movedSinceKeyframe = false
    private var previousWasStill = false

    /// The longest segment, in segment lengths.
    static let maximumSegments = 4

    init(segmentSeconds: Int, frameRate: Double) {
        // At least one second (rounded up, not to nearest: 29.4 fps would make 29 pictures 0.99 s), which the
        // chunks' segment numbering relies on.
        minimumFrames = max(1, Int(frameRate.rounded(.up)))
        segmentFrames = max(minimumFrames, Int((Double(segmentSeconds) * frameRate).rounded()))
        maximumFrames = segmentFrames * Self.maximumSegments
    }

    /// Whether this picture starts a GOP, given the share of its coarse cells that changed since the previous
    /// picture (`CoarseDifference`; 1 when not comparable). `forced`: it does (a chunk's edge).
    mutating func isKeyframe(changedShare: Double, forced: Bool = false) -> Bool {
        let still = changedShare <= Self.stillShare
        defer { previousWasStill = still }
        guard let since = sinceKeyframe, !forced else {
            startGOP()
            return true
        }
        let distance = since + 1
        // Only in a still stretch: while the picture moves the cadence holds and a slide change waits for it (an
        // extra IDR there cost the slides + camera deck 1.4 % over the CLI's fixed cadence).
        let slideChange =
            !movedSinceKeyframe && previousWasStill && changedShare >= Self.slideChangeShare
            && distance >= minimumFrames
        // A segment's length after the last keyframe, the first picture that moves starts the GOP itself: waiting for
        // the next one coded every slide change whose text touches under `slideChangeShare` of the cells as a
        // near-intra P-frame right before an IDR (on the benchmark's deck 3 of 5 changes, ~12 KB each).
        let cadenceDue = (movedSinceKeyframe || !still) && distance >= segmentFrames
        if distance >= maximumFrames || cadenceDue || slideChange {
            startGOP()
            return true
        }
        sinceKeyframe = distance
        if !still { movedSinceKeyframe = true }
        return false
    }

    private mutating func startGOP() {
        sinceKeyframe = 0
        movedSinceKeyframe = false
    }
}

extension TranscodePlan {
    /// Whether keyframes follow the content (`KeyframePlacement`), in a whole encode and in a split encode's chunk.
    var placesKeyframesByContent: Bool { keyframesFollowContent }

    /// The longest a segment can be, in whole seconds (rounded up): 4 segment lengths in a still stretch when
    /// keyframes follow the content, else one. A split encode's growing playlists declare it as their target.
    public var longestSegmentSeconds: Int {
        placesKeyframesByContent ? segmentSeconds * KeyframePlacement.maximumSegments : segmentSeconds
    }
}

/// How much of a picture changed since the previous one, on the coarse grid `SlideDetector` uses (32 × 18 cells):
/// a cell changed when the mean absolute difference of its luma, sampled every 4th pixel of every 4th row,
/// exceeds 4 levels. Exact comparison (`ChangedRows`) would not do: a source's own keyframes re-code a still
/// slide with small differences everywhere, which must not count as motion.
struct CoarseDifference {
    static let columns = SlideDetector.columns, rows = SlideDetector.rows
    static let step = 4
    static let changeLevels = 4.0
    private var previous: [UInt8] = []
    private var size = (width: 0, height: 0)

    /// The share of cells of `frame` (8-bit luma first plane) that changed since the previous call; 1 for the
    /// first picture or after a size change.
    mutating func changedShare(of frame: Frame) -> Double {
        let width = Int(frame.width) / Self.step, height = Int(frame.height) / Self.step
        guard width >= Self.columns, height >= Self.rows, let luma = frame.pointer.pointee.data.0 else { return 1 }
        let stride = Int(frame.pointer.pointee.linesize.0)
        var samples = [UInt8](repeating: 0, count: width * height)
        for row in 0..<height {
            let line = luma + row * Self.step * stride
            for column in 0..<width { samples[row * width + column] = line[column * Self.step] }
        }
        defer {
            previous = samples
            size = (width, height)
        }
        guard size == (width, height), previous.count == samples.count else { return 1 }
        var sums = [Int](repeating: 0, count: Self.columns * Self.rows)
        var counts = [Int](repeating: 0, count: Self.columns * Self.rows)
        for row in 0..<height {
            let cellRow = row * Self.rows / height
            for column in 0..<width {
                let index = row * width + column
                let cell = cellRow * Self.columns + column * Self.columns / width
                sums[cell] += abs(Int(samples[index]) - Int(previous[index]))
                counts[cell] += 1
            }
        }
        let changed = zip(sums, counts).filter { Double($0) > Self.changeLevels * Double(max(1, $1)) }.count
        return Double(changed) / Double(sums.count)
    }
}
