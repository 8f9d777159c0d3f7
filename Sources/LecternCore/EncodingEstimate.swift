import Foundation

/// How long an encode has left, from the worker's progress: the average rate since the claim (`encodeStartedAt`)
/// projected over the percent still to go. Derived where the record is read, from what the worker writes anyway (its
/// claim time and each heartbeat's percent), so the worker reports nothing new and no extra write is made.
///
/// Why the average since the claim and not the rate between the last two heartbeats: the worker's percent moves in
/// steps (it is written every `LECTERN_PROGRESS_INTERVAL_SECONDS`, rounded to 0.1 %, and stands still while a
/// segment is written), so a rate from two neighbours jumps about; the average changes slowly. It includes the
/// download of the source (0–1 %), which makes the first estimates long: so nothing is answered before
/// `minimumPercent` and `minimumSeconds`, when the download is a small part of the time spent.
public enum EncodingEstimate {
    public static let minimumPercent = 5.0
    public static let minimumSeconds = 10.0

    /// Whole seconds left, or nil while the estimate would not be stable (too early, or no progress to go on).
    public static func secondsLeft(percent: Double?, startedAt: Date?, now: Date = Date()) -> Int? {
        guard let percent, let startedAt, percent >= minimumPercent, percent < 100 else { return nil }
        let elapsed = now.timeIntervalSince(startedAt)
        guard elapsed >= minimumSeconds else { return nil }
        let left = elapsed * (100 - percent) / percent
        return Int(left.rounded(.up))
    }
}
