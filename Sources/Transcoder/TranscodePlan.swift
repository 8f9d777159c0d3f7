import RenditionLadder

/// The ladder's rung, defined in `RenditionLadder` (the API reads the same definition without FFmpeg);
/// re-exported so transcoder callers need only `import Transcoder`.
public typealias Rung = RenditionLadder.Rung

/// What to produce: the ladder and the encoding settings shared by every rung.
public struct TranscodePlan: Sendable, Equatable {
    /// Rungs, any order; those taller than the source are dropped (never upscale).
    public var ladder: [Rung]
    /// HLS segment length and GOP length, seconds.
    public var segmentSeconds: Int
    public var crf: Int
    public var x264Preset: String
    /// x264 threads per rung; 0 shares the cores among rungs by their pixel counts (see `EncoderThreads`).
    public var encoderThreads: Int
    public var audioBitRate: Int
    /// Highest frame rate we emit; faster sources are converted down.
    public var maxFrameRate: Double
    /// Tallest rung used for the progressive MP4 download.
    public var progressiveMaxHeight: Int
    /// Storyboard thumbnail width, pixels.
    public var thumbnailWidth: Int
    public var limits: MediaLimits
    /// Scale only the rows of each picture that changed since the previous one (the rest is copied from the
    /// previous output; the result is identical). Off only to measure what it saves.
    public var scalesChangedRowsOnly = true
    /// Loudness to a target and one-sided microphones centred (issue #17); nil encodes the audio as decoded.
    public var audioNormalisation: AudioNormalisation? = AudioNormalisation()
    /// Find slide changes, read their text (tesseract) and write chapters (issue #16). Off only to measure it.
    public var detectsSlides = true
    /// How slide changes are told from a camera window, a pointer or a video inside a slide.
    public var slideSettings = SlideDetector.Settings()
    /// Tesseract language pack(s) for slide text, e.g. `eng` or `fra+eng` (see `SlideTextLanguage`).
    public var slideTextLanguage = "eng"
    /// Keyframes (and segment cuts) at slide changes, none during a still stretch up to 4 segments, the fixed
    /// cadence while the picture moves (issue #16, `KeyframePlacement`); off: one every segment. A split encode's
    /// chunk follows it too, with a keyframe at each of its edges.
    public var keyframesFollowContent = true
    /// Leave out pictures exactly equal to the previous one, keeping one every `stillHeartbeatSeconds` (a variable
    /// frame rate in still stretches; issue #16, `StillPictureThinning`), in a whole encode and in a chunk.
    public var dropsRepeatedPictures = true
    /// The longest time between two pictures of a rung when the picture does not change.
    public var stillHeartbeatSeconds = 1.0
    /// A split encode's chunk (issue #15): the stretch of the source to encode; nil encodes it all.
    public var range: TimeRange?
    /// Whether to encode the sound beside the video, leave it out (a video chunk) or encode only it.
    public var audio: AudioSelection = .include
    /// Seconds added to every output timestamp; nil computes it from the encoders (AAC priming, B-frame
    /// delay). A video chunk must carry the whole encode's (`SplitProbe`), so its timestamps match.
    public var timestampOffset: Double?

    public init(
        ladder: [Rung] = TranscodePlan.standardLadder,
        segmentSeconds: Int = 6,
        crf: Int = 23,
        x264Preset: String = "veryfast",
        encoderThreads: Int = 0,
        audioBitRate: Int = 128_000,
        maxFrameRate: Double = 60,
        progressiveMaxHeight: Int = 720,
        thumbnailWidth: Int = 160,
        limits: MediaLimits = MediaLimits()
    ) {
        self.ladder = ladder
        self.segmentSeconds = segmentSeconds
        self.crf = crf
        self.x264Preset = x264Preset
        self.encoderThreads = encoderThreads
        self.audioBitRate = audioBitRate
        self.maxFrameRate = maxFrameRate
        self.progressiveMaxHeight = progressiveMaxHeight
        self.thumbnailWidth = thumbnailWidth
        self.limits = limits
    }

    /// The production ladder (`RenditionLadder.Ladder.standard`), the one the worker encodes by default.
    public static let standardLadder = Ladder.standard

    /// A plan whose ladder is the given heights with standard caps.
    public init(heights: [Int]) {
        self.init(ladder: heights.map(Rung.standard(height:)))
    }
}

/// A rung resolved against a particular source: exact output size.
struct RenditionSpec: Sendable, Equatable {
    var name: String
    var width: Int
    var height: Int
    var rung: Rung
}

enum LadderLayout {
    /// The renditions for a displayed source size (after rotation, with square pixels), tallest first.
    /// Rungs taller than the source are dropped; a source between rungs gets a top rung at its own height.
    static func renditions(displayWidth: Double, displayHeight: Double, ladder: [Rung]) -> [RenditionSpec] {
        let sourceHeight = evenFloor(Int(displayHeight.rounded()))
        guard sourceHeight >= 2 else { return [] }
        var rungs = ladder.filter { $0.height <= sourceHeight && $0.height >= 2 }
        let sorted = ladder.sorted { $0.height < $1.height }
        if !rungs.contains(where: { $0.height == sourceHeight }),
            ladder.contains(where: { $0.height > sourceHeight }) || rungs.isEmpty
        {
            // Caps of the next taller rung (or the tallest one) at the source's own height.
            var top = sorted.first { $0.height > sourceHeight } ?? sorted.last ?? Rung.standard(height: sourceHeight)
            let scale = Double(sourceHeight * sourceHeight) / Double(top.height * top.height)
            top = Rung(
                height: sourceHeight,
                maxBitRate: Int(Double(top.maxBitRate) * max(scale, 0.5)),
                bufferSize: Int(Double(top.bufferSize) * max(scale, 0.5))
            )
            rungs.append(top)
        }
        var seen = Set<Int>()
        return rungs.sorted { $0.height > $1.height }.filter { seen.insert($0.height).inserted }.map { rung in
            let width = max(2, evenRound(displayWidth * Double(rung.height) / displayHeight))
            return RenditionSpec(name: "\(rung.height)p", width: width, height: rung.height, rung: rung)
        }
    }

    static func evenRound(_ value: Double) -> Int { Int((value / 2).rounded()) * 2 }
    static func evenFloor(_ value: Int) -> Int { value - value % 2 }
}

/// How many x264 threads each rung gets (public so the benchmark can give the ffmpeg CLI the same settings).
public enum EncoderThreads {
    /// Rungs already run concurrently, each on its own thread, and single-threaded x264 is the most
    /// CPU-efficient (frame threads cost CPU and keep more pictures in flight). An encoder gets more threads
    /// only when its share of the work would exceed one core's fair share and so set the pace for the whole
    /// ladder. x264 is about three quarters of the pipeline's CPU (decoding, scaling and audio the rest), so a
    /// rung's share is about 0.75 × its share of the pixels. On 2 cores every rung gets one thread (the
    /// 1080p rung, 57% of the pixels, measured 41% of the CPU); on 8 cores [4, 2, 1, 1].
    public static func perRung(_ pixels: [Int], requested: Int, cores: Int) -> [Int] {
        if requested > 0 { return pixels.map { _ in requested } }
        let total = max(1, pixels.reduce(0, +))
        return pixels.map {
            min(max(1, cores), max(1, Int((0.75 * Double(cores) * Double($0) / Double(total)).rounded(.up))))
        }
    }
}
