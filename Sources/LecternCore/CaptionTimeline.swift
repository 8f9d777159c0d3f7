import AWS
import Captions
import Foundation

/// The published video's segment timeline, which caption segments must follow one to one: the durations of the
/// first video rendition's segments (every rendition is cut at the same keyframes) and where its picture starts.
public struct CaptionTimeline: Sendable, Equatable {
    public var segmentDurations: [Double]
    public var startSeconds: Double

    public init(segmentDurations: [Double], startSeconds: Double) {
        self.segmentDurations = segmentDurations
        self.startSeconds = startSeconds
    }

    public var segmenter: CaptionSegmenter {
        CaptionSegmenter(segmentDurations: segmentDurations, mpegtsAtZero: Int64((startSeconds * 90_000).rounded()))
    }

    /// The parts of the worker's `manifest.json` this needs, read tolerantly.
    struct Manifest: Decodable {
        struct Video: Decodable { var playlist: String? }
        var video: [Video]?
    }

    /// Reads `manifest.json`, the first video playlist, its init segment and first segment under `prefix`.
    public static func load(s3: S3Client, bucket: String, prefix: String) async throws -> CaptionTimeline? {
        let manifestData = try await s3.getObject(bucket: bucket, key: prefix + "manifest.json", limit: 4 << 20).body
        guard let playlistPath = try JSONDecoder().decode(Manifest.self, from: manifestData).video?.first?.playlist,
            isSafe(playlistPath)
        else { return nil }
        let playlist = String(
            decoding: try await s3.getObject(bucket: bucket, key: prefix + playlistPath, limit: 4 << 20).body,
            as: UTF8.self
        )
        let parsed = MediaPlaylistTimeline(text: playlist)
        guard !parsed.durations.isEmpty else { return nil }
        let directory = playlistPath.split(separator: "/").dropLast().map { $0 + "/" }.joined()
        var start = 0.0
        if let initURI = parsed.initURI, let first = parsed.firstSegment, isSafe(initURI), isSafe(first) {
            // The first segment's boxes come first; 64 KiB holds its moof (a 4 s 1080p segment's trun is ~1 KiB).
            let initData = try await s3.getObject(bucket: bucket, key: prefix + directory + initURI, limit: 1 << 20)
                .body
            let head = try await s3.getObject(
                bucket: bucket,
                key: prefix + directory + first,
                range: 0...65_535,
                limit: 1 << 17
            ).body
            start = FMP4StartTime.seconds(initSegment: initData, firstSegment: head) ?? 0
        }
        return CaptionTimeline(segmentDurations: parsed.durations, startSeconds: start)
    }

    static func isSafe(_ path: String) -> Bool {
        !path.hasPrefix("/")
            && !path.split(separator: "/", omittingEmptySubsequences: false).contains {
                $0.isEmpty || $0 == "." || $0 == ".."
            }
            && path.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }
    }
}

/// `EXTINF` durations, the `EXT-X-MAP` URI and the first segment URI of a VOD media playlist.
struct MediaPlaylistTimeline {
    var durations: [Double] = []
    var initURI: String?
    var firstSegment: String?

    init(text: String) {
        var pending: Double?
        for line in text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("#EXTINF:") {
                pending = Double(line.dropFirst(8).prefix { $0 != "," })
            } else if line.hasPrefix("#EXT-X-MAP:"), let range = line.range(of: "URI=\"") {
                initURI = String(line[range.upperBound...].prefix { $0 != "\"" })
            } else if !line.hasPrefix("#"), !line.isEmpty, let duration = pending {
                durations.append(duration)
                if firstSegment == nil { firstSegment = line }
                pending = nil
            }
        }
    }
}
