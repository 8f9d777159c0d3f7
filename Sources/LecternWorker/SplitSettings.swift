import LecternCore

/// When and how a worker splits a long lecture into parts for the fleet (issue #15).
public struct SplitSettings: Sendable, Equatable {
    /// Lectures at least this long (seconds) are split; nil: never (`LECTERN_SPLIT_THRESHOLD_SECONDS=off`).
    /// 600 s: below ten minutes a lecture encodes in about five on one deployed worker, and the split's fixed costs
    /// (a probe, K+1 messages, the stitch's reads, each part's one-GOP lead-in) are a larger share.
    public var thresholdSeconds: Int? = 600
    /// Wanted length of a video chunk, rounded up to a whole number of segments (`LECTERN_SPLIT_CHUNK_SECONDS`).
    /// 180 s: each part adds a one-GOP lead-in and a 1 s tail (`ChunkPadding`), 7 s of pictures, 3.9 % of 180 s;
    /// shorter parts cost more of that, longer ones make the first playable moment later.
    public var chunkSeconds: Int = 180
    /// A source smaller than `thresholdSeconds` × this is not probed (saving the probe's ranged GETs for every
    /// short lecture): at 2 KB/s (16 kbit/s, a voice-only AAC stream's rate) a file that small is shorter than the
    /// threshold, or so sparse that it encodes in moments on one worker anyway.
    public static let minimumBytesPerSecond: Int64 = 2_048

    /// At most this many video chunks (`LECTERN_SPLIT_MAX_CHUNKS`): a longer lecture gets longer chunks.
    public var maxChunks: Int = 32

    public init(thresholdSeconds: Int? = 600, chunkSeconds: Int = 180, maxChunks: Int = 32) {
        self.thresholdSeconds = thresholdSeconds
        self.chunkSeconds = chunkSeconds
        self.maxChunks = min(max(1, maxChunks), JobLimits.maxSplitChunks)
    }

    /// The chunk length for a lecture of `duration` seconds: `chunkSeconds`, raised so at most `maxChunks` chunks.
    public func chunkSeconds(forDuration duration: Double) -> Int {
        max(chunkSeconds, Int((duration / Double(maxChunks)).rounded(.up)))
    }

    static func read(_ reader: EnvironmentReader, into settings: inout SplitSettings) throws(EnvironmentReader.Problem)
    {
        if reader.text("LECTERN_SPLIT_THRESHOLD_SECONDS")?.trimmingCharacters(in: .whitespaces).lowercased() == "off" {
            settings.thresholdSeconds = nil
        } else if let value = try reader.integer("LECTERN_SPLIT_THRESHOLD_SECONDS", in: 1...86_400) {
            settings.thresholdSeconds = value
        }
        if let value = try reader.integer("LECTERN_SPLIT_CHUNK_SECONDS", in: 1...3_600) {
            settings.chunkSeconds = value
        }
        if let value = try reader.integer("LECTERN_SPLIT_MAX_CHUNKS", in: 1...JobLimits.maxSplitChunks) {
            settings.maxChunks = value
        }
    }
}
