/// The one definition of the production ladder and of the heights a job may ask for. The API (which must not
/// link FFmpeg), the job message, the worker's validation, the CLI and the transcoder all read it from here.
public enum Ladder {
    /// The heights every lecture is encoded at unless a job names others (the worker drops those taller than
    /// the source, and adds one at the source's own height when it sits between rungs).
    public static let standardHeights = [1080, 720, 480, 360]

    /// The standard rungs with their caps (`Rung.standard(height:)`).
    public static let standard: [Rung] = standardHeights.map(Rung.standard(height:))

    /// Heights a job may name. 144 is the smallest rung players list (below it captions and slides are
    /// unreadable); 4320 is 8K UHD, the tallest picture H.264's highest level (6.2) carries.
    public static let allowedHeights: ClosedRange<Int> = 144...4320

    /// The sentence a job with a height outside `allowedHeights` is refused with.
    public static let allowedHeightsProblem =
        "ladder heights must be between \(allowedHeights.lowerBound) and \(allowedHeights.upperBound)"

    /// True when every height is one a job may name (an empty ladder passes; callers check emptiness themselves).
    public static func allowsHeights(_ heights: [Int]) -> Bool {
        heights.allSatisfy(allowedHeights.contains)
    }
}
