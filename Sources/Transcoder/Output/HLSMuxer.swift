import CFFmpeg
import Foundation

/// libavformat's `hls` muxer writing a VOD media playlist with CMAF (fMP4) segments into a directory.
enum HLSMuxer {
    static let playlistName = "playlist.m3u8"
    static let initName = "init.mp4"
    /// `hls_time` when keyframes follow the content. libavformat's hls muxer (5.1 `hls_write_packet`) cuts at a
    /// keyframe once the time since the first packet reaches `hls_time` × the segments so far; keyframes are at
    /// least 1 s apart (`KeyframePlacement.minimumFrames`), so with half of that every keyframe is a cut.
    static let variableSegmentSeconds = "0.5"

    static func open(
        directory: String,
        encoder: EncoderContext,
        offset: Double,
        segmentSeconds: Int,
        // A split encode's chunk: the number of its first segment (see `ChunkMuxing`); nil for a whole encode.
        firstSegmentNumber: Int? = nil,
        // Keyframes placed by content (`KeyframePlacement`): cut at each one, not at the first after `hls_time`.
        cutsAtEveryKeyframe: Bool = false
    ) throws(TranscodeError) -> OutputFormatContext {
        do {
            let muxer = try OutputFormatContext(format: "hls", path: directory + "/" + playlistName)
            try muxer.addStream(from: encoder, offset: offset)
            try ChunkMuxing.apply(to: muxer, firstSegmentNumber: firstSegmentNumber)
            try muxer.writeHeader(options: [
                "hls_time": cutsAtEveryKeyframe ? variableSegmentSeconds : String(segmentSeconds),
                "hls_playlist_type": "vod",
                "hls_list_size": "0",
                "hls_segment_type": "fmp4",
                "hls_fmp4_init_filename": initName,
                "hls_segment_filename": directory + "/segment_%05d.m4s",
                "hls_flags": "independent_segments",
            ])
            return muxer
        } catch {
            throw TranscodeError.output("the HLS playlist in \(directory)", error)
        }
    }
}

extension HLSMuxer {
    /// Writes the last segment's EXTINF as `seconds` (and widens the target duration to cover it) when the muxer's
    /// differs. libavformat 5.1's `hls` muxer (`hls_write_trailer`) sums the last segment's packet durations
    /// *after* its first and adds the stream's *first* packet's duration for the missing one: exact at a constant
    /// rate, but with still pictures left out (`StillPictureThinning`) the two first pictures can be shown for
    /// different times. A split encode's chunk begins with a keyframe held for up to a second, so its last segment
    /// was up to 0.97 s too long (measured), and the stitch saw a chunk end past the next one's start.
    static func settleLastSegment(playlist path: String, seconds: Double) throws(TranscodeError) {
        guard var lines = try? String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n"),
            let last = lines.lastIndex(where: { $0.hasPrefix("#EXTINF:") })
        else { throw TranscodeError(.outputFailure, "Could not read back \(path).") }
        let written = Double(lines[last].dropFirst("#EXTINF:".count).prefix { $0 != "," }) ?? -1
        guard abs(written - seconds) > 0.000_001 else { return }
        lines[last] = String(format: "#EXTINF:%.6f,", seconds)
        if let target = lines.firstIndex(where: { $0.hasPrefix("#EXT-X-TARGETDURATION:") }),
            let value = Int(lines[target].dropFirst("#EXT-X-TARGETDURATION:".count)), Int(seconds.rounded()) > value
        {
            lines[target] = "#EXT-X-TARGETDURATION:\(Int(seconds.rounded()))"
        }
        do {
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw TranscodeError(.outputFailure, "Could not write \(path): \(error.localizedDescription)")
        }
    }
}

/// A media playlist read back after muxing, to measure what the master playlist must declare.
struct MediaPlaylistSummary: Sendable, Equatable {
    var segments: [(uri: String, duration: Double)]
    var initURI: String?

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.initURI == rhs.initURI && lhs.segments.map(\.uri) == rhs.segments.map(\.uri)
            && lhs.segments.map(\.duration) == rhs.segments.map(\.duration)
    }

    init(text: String) {
        segments = []
        var pendingDuration: Double?
        for line in text.split(whereSeparator: \.isNewline).map(String.init) {
            if line.hasPrefix("#EXTINF:") {
                pendingDuration = Double(line.dropFirst(8).prefix { $0 != "," })
            } else if line.hasPrefix("#EXT-X-MAP:"), let range = line.range(of: "URI=\"") {
                initURI = String(line[range.upperBound...].prefix { $0 != "\"" })
            } else if !line.hasPrefix("#"), !line.isEmpty, let duration = pendingDuration {
                segments.append((line, duration))
                pendingDuration = nil
            }
        }
    }

    var duration: Double { segments.reduce(0) { $0 + $1.duration } }
}
