import Foundation

/// Finds slide changes in a picture sequence, fed one small grey picture at a time (no FFmpeg: the tests feed it
/// synthetic pictures; `SlideTracker` feeds it the decoded video).
///
/// A slide starts where a change is followed by stillness: the picture, cut into a 32 × 18 grid of cells, stays
/// unchanged (but for a few cells) for `settleSeconds`, and then differs from the previous slide's picture in at
/// least `minimumSlideChange` of its cells. Cells that change in most pictures (a camera window, a video playing
/// inside the slide, a presenter pacing) are "live": left out of both measures while they change, and for the rest
/// of the slide once they have kept changing for about a second, so they neither keep the picture from settling
/// nor make a new slide. A picture that is mostly live (a camera-only
/// recording) never settles, and a lecture with fewer than two slides has no chapters (`SlideDetection.none`).
public struct SlideDetector: Sendable {
    public struct Settings: Sendable, Equatable {
        /// How long a change must stay still to count as a new slide.
        public var settleSeconds = 1.5
        /// Slides closer than this to the previous one replace it (a slide built up step by step, a quick skip).
        public var minimumChapterSeconds = 10.0
        /// At most this many chapters per hour of lecture (and as many in a shorter one: the minimum chapter
        /// length already bounds short ones); beyond it the shortest chapters are merged.
        public var maximumChaptersPerHour = 60
        /// A cell changed when its mean absolute grey difference exceeds this many levels (of 255). Measured on
        /// the 256 × 144 area-averaged picture: a line of 48 px text replaced moves its cells by 10–40 levels,
        /// while an unchanged H.264 slide moves them by under 1.
        public var cellChangeLevels = 4.0
        /// The picture is still while at most this share of its (non-live) cells change: a mouse pointer touches
        /// one or two of the 576 cells.
        public var stillShare = 0.03
        /// A settled picture is a new slide when at least this share of its (non-live) cells differ from the
        /// previous slide's.
        public var minimumSlideChange = 0.05
        /// A cell is live when its recent change rate (an average over about `liveSeconds`) exceeds this. One
        /// picture weighs at most `maximumPictureWeight`, so at low frame rates (a 5 fps screen recording) a
        /// single slide cut never makes a cell live: it takes three changed pictures in a row.
        public var liveRate = 0.3
        public var liveSeconds = 0.5
        public var maximumPictureWeight = 0.15
        /// A cell whose rate reaches this stays left out until the next slide: the camera window or the video
        /// keeps moving (about 0.8 s of change at 30 fps). A 0.5 s dissolve between slides stays below it, so
        /// the cells it touched count again once it has ended.
        public var stickyRate = 0.8
        /// With more than this share of the cells live, nothing can be judged (camera-only recordings).
        public var maximumLiveShare = 0.5

        public init() {}
    }

    /// A small grey picture (row-major, one byte a pixel). `SlideTracker` makes them 256 × 144.
    public struct Picture: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var luma: [UInt8]

        public init(width: Int, height: Int, luma: [UInt8]) {
            precondition(luma.count == width * height, "luma must hold width × height bytes")
            self.width = width
            self.height = height
            self.luma = luma
        }
    }

    /// A slide settled: its picture now is the one to read (OCR) and show. `id` is the slide's; the same id
    /// again means the slide merged with a newer one (shown within the minimum chapter length), whose picture
    /// replaces the first.
    public struct Settled: Sendable, Equatable {
        public var id: Int
        public var start: Double
    }

    public static let columns = 32
    public static let rows = 18

    public let settings: Settings
    /// The slides so far: id and start time, in order.
    public private(set) var slides: [Settled] = []
    private var previous: Picture?
    private var referencePicture: Picture?
    private var activity = [Double](repeating: 0, count: columns * rows)
    /// Cells that kept changing during the current slide (a camera window, a video): left out until the next one.
    private var sticky = [Bool](repeating: false, count: columns * rows)
    private var lastTime: Double?
    /// Time of the last picture that moved (the change a settled stretch started with).
    private var stillSince: Double?
    private var judged = false

    /// False for a split encode's chunk (issue #15): every settled slide is kept with its own picture, the first
    /// one at its own time, and `finish` neither caps nor requires two. The lecture's rules (the minimum chapter
    /// length, the first slide opening the lecture, the cap) are applied once the chunks' slides are joined
    /// (`SlideJoiner`): a chunk cut mid-slide would otherwise merge the next slide into that slide's repeat.
    public let wholeLecture: Bool

    public init(settings: Settings = Settings(), wholeLecture: Bool = true) {
        self.settings = settings
        self.wholeLecture = wholeLecture
    }

    /// Feeds the picture shown at `time` (seconds, increasing). Pass nil for a picture known to be identical to
    /// the previous one (the pipeline's `ChangedRows` said so): nothing is measured. Answers a slide that
    /// settled with this picture.
    public mutating func observe(time: Double, picture: Picture?) -> Settled? {
        let elapsed = lastTime.map { max(0, time - $0) } ?? 0
        lastTime = time
        let weight = min(settings.maximumPictureWeight, 1 - exp(-elapsed / settings.liveSeconds))
        var changed = [Bool](repeating: false, count: Self.columns * Self.rows)
        if let picture {
            if let previous, previous.width == picture.width, previous.height == picture.height {
                changed = Self.changedCells(previous, picture, levels: settings.cellChangeLevels)
            } else if previous != nil {
                changed = [Bool](repeating: true, count: changed.count)
            }
            previous = picture
        }
        for cell in changed.indices {
            activity[cell] = activity[cell] * (1 - weight) + (changed[cell] ? weight : 0)
            if activity[cell] > settings.stickyRate { sticky[cell] = true }
        }
        guard previous != nil else { return nil }
        let judgeable = activity.indices.filter { !sticky[$0] && activity[$0] <= settings.liveRate }
        let moving = judgeable.filter { changed[$0] }.count
        let tooLive = Double(judgeable.count) < Double(activity.count) * (1 - settings.maximumLiveShare)
        if stillSince == nil || tooLive || Double(moving) > settings.stillShare * Double(max(1, judgeable.count)) {
            stillSince = time
            judged = false
            return nil
        }
        guard !judged, let since = stillSince, time - since >= settings.settleSeconds, let current = previous else {
            return nil
        }
        judged = true
        if let referencePicture {
            let differing = Self.changedCells(referencePicture, current, levels: settings.cellChangeLevels)
            let count = judgeable.filter { differing[$0] }.count
            guard Double(count) >= settings.minimumSlideChange * Double(judgeable.count) else { return nil }
        }
        referencePicture = current
        sticky = activity.map { $0 > settings.liveRate }
        if wholeLecture, let last = slides.last, since - last.start < settings.minimumChapterSeconds {
            return last
        }
        // The first slide opens the lecture: a title shown within the first seconds is where the lecture starts.
        let start = wholeLecture && slides.isEmpty && since < settings.minimumChapterSeconds ? 0 : since
        let slide = Settled(id: slides.count, start: start)
        slides.append(slide)
        return slide
    }

    /// The outcome once the lecture (`duration` seconds) has been fed whole: chapters capped per hour (the shortest
    /// merged into the one before), or none.
    /// A split encode's chunk (`wholeLecture` false) answers every slide it saw, even one, uncapped.
    public func finish(duration: Double) -> SlideDetection {
        guard wholeLecture else {
            return slides.isEmpty ? .none(reason: Self.noSlidesReason) : .slides(slides)
        }
        let kept = keptChapters(starts: slides.map(\.start), duration: duration).map { slides[$0] }
        guard kept.count >= 2 else {
            return .none(reason: Self.noSlidesReason)
        }
        return .slides(kept)
    }

    static let noSlidesReason = "No stable slides were found."

    /// The indices of the slides (by start time, in order) kept as chapters of a `duration` s lecture: at most
    /// `maximumChaptersPerHour` per hour, the shortest merged into the one before.
    func keptChapters(starts: [Double], duration: Double) -> [Int] {
        var kept = Array(starts.indices)
        let hours = max(1, duration / 3600)
        let allowed = max(1, Int((hours * Double(settings.maximumChaptersPerHour)).rounded(.up)))
        while kept.count > allowed {
            let ends = kept.indices.map { $0 + 1 < kept.count ? starts[kept[$0 + 1]] : duration }
            let shortest = (1..<kept.count).min { ends[$0] - starts[kept[$0]] < ends[$1] - starts[kept[$1]] }!
            kept.remove(at: shortest)
        }
        return kept
    }

    /// Per cell of the grid: whether its mean absolute difference between the two pictures exceeds `levels`.
    static func changedCells(_ a: Picture, _ b: Picture, levels: Double) -> [Bool] {
        var sums = [Int](repeating: 0, count: columns * rows)
        var counts = [Int](repeating: 0, count: columns * rows)
        let columnCell = (0..<a.width).map { $0 * columns / a.width }
        a.luma.withUnsafeBufferPointer { first in
            b.luma.withUnsafeBufferPointer { second in
                for y in 0..<a.height {
                    let row = y * rows / a.height * columns
                    let base = y * a.width
                    for x in 0..<a.width {
                        let cell = row &+ columnCell[x]
                        let difference = Int(first[base + x]) - Int(second[base + x])
                        sums[cell] += difference < 0 ? -difference : difference
                        counts[cell] += 1
                    }
                }
            }
        }
        return sums.indices.map { counts[$0] > 0 && Double(sums[$0]) > levels * Double(counts[$0]) }
    }
}

/// What slide detection found in a whole lecture: a plain value others (chapters, search, encoders that spend
/// fewer bits on still stretches) can read.
public enum SlideDetection: Sendable, Equatable {
    /// At least two slides, in order, with their start times (seconds on the published timeline).
    case slides([SlideDetector.Settled])
    /// No chapters: why, in words a professor can read.
    case none(reason: String)

    /// The slide start times (empty for `none`).
    public var startTimes: [Double] {
        if case .slides(let slides) = self { return slides.map(\.start) }
        return []
    }
}
