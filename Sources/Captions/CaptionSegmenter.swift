/// Splits a track into HLS subtitle segments that line up one to one with the video's segments (RFC 8216 §3.5:
/// each WebVTT segment carries the cues that appear during its time, and `X-TIMESTAMP-MAP` ties its clock to the
/// media's). A cue spanning a boundary is repeated in both segments, as Apple's `mediasubtitlesegmenter` does;
/// players drop the duplicate by its identical times and text.
public struct CaptionSegmenter: Sendable {
    /// The video's segment durations in seconds, in order (its media playlist's `EXTINF`s).
    public var segmentDurations: [Double]
    /// Where cue time zero sits on the media timeline, in 90 kHz ticks (`MPEGTS` of `X-TIMESTAMP-MAP`, with
    /// `LOCAL:00:00:00.000`): the video's first presentation timestamp.
    public var mpegtsAtZero: Int64

    public init(segmentDurations: [Double], mpegtsAtZero: Int64) {
        self.segmentDurations = segmentDurations
        self.mpegtsAtZero = mpegtsAtZero
    }

    public static func segmentName(_ index: Int) -> String {
        let digits = String(index)
        return "segment_" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".vtt"
    }

    public static let playlistName = "playlist.m3u8"

    /// Segment boundaries in milliseconds: `[start, end)` per video segment.
    var boundaries: [(start: Int, end: Int)] {
        var result: [(Int, Int)] = []
        var elapsed = 0.0
        for duration in segmentDurations {
            let start = Int((elapsed * 1000).rounded())
            elapsed += duration
            result.append((start, Int((elapsed * 1000).rounded())))
        }
        return result
    }

    /// One WebVTT file per video segment (the same count, possibly without cues), in order.
    public func segments(of document: CaptionDocument) -> [String] {
        let header =
            "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:\(mpegtsAtZero),LOCAL:00:00:00.000\n\n"
            + document.headerBlocks.map { $0 + "\n\n" }.joined()
        let bounds = boundaries
        var texts = Array(repeating: header, count: bounds.count)
        guard let last = bounds.indices.last else { return texts }
        for cue in document.cues {
            // Cues after the last boundary (within the parser's tolerance) belong to the last segment.
            var first = bounds.firstIndex { cue.startMilliseconds < $0.end } ?? last
            if cue.startMilliseconds >= bounds[last].end { first = last }
            var index = first
            repeat {
                texts[index] += CaptionDocument.block(for: cue)
                index += 1
            } while index < bounds.count && cue.endMilliseconds > bounds[index].start
        }
        return texts
    }

    /// The subtitle media playlist listing `segments` by their names, relative to itself.
    public func playlist() -> String {
        let target = Int((segmentDurations.max() ?? 1).rounded(.up))
        var text =
            """
            #EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:\(max(1, target))\n\
            #EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n
            """
        for (index, duration) in segmentDurations.enumerated() {
            text += "#EXTINF:" + Self.decimal(duration) + ",\n" + Self.segmentName(index) + "\n"
        }
        return text + "#EXT-X-ENDLIST\n"
    }

    static func decimal(_ value: Double) -> String {
        let micros = Int((value * 1_000_000).rounded())
        let fraction = String(micros % 1_000_000)
        return String(micros / 1_000_000) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
