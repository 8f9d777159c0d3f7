import AWS
import Foundation
import LecternCore

/// The playlists of a lecture watched while it encodes (issue #15), built from what the split encode's chunks have
/// uploaded (the chunk contract, `LectureSplit`): the master from chunk 0's manifest (the job's ladder as the worker
/// resolved it against the source), each rung an `EVENT` playlist of chunk 0's init segment and the segments of the
/// chunks done from the start without a gap, and no `#EXT-X-ENDLIST` until the stitch publishes.
///
/// EVENT rather than a live window (RFC 8216 §6.2.1): an EVENT playlist keeps every segment and only appends, so a
/// student can seek back to the lecture's start while its end is still encoding; a client reloads it about once a
/// target duration (§6.3.4). Once the stitch publishes, the lecture is ready and the same routes answer the VOD
/// playlists; the rendition names do not change, so a player that keeps polling simply finds the end.
struct GrowingPlayback: Sendable {
    let playback: Playback
    let files: DoneChunkFiles
    let record: LectureRecord
    let split: LectureSplit

    var lectureID: String { record.lectureId }
    var prefix: String { ObjectKeys.renditionPrefix(lectureID: lectureID, version: split.outputVersion) }
    var chunkZero: String { ObjectKeys.chunkPrefix(lectureID: lectureID, version: split.outputVersion, index: 0) }

    /// The audio rendition's playlist, relative to the version's prefix (the audio chunk writes it there directly).
    static let audioPlaylist = "audio/playlist.m3u8"

    // MARK: Reading what the chunks wrote (cached: a done chunk never changes)

    func text(_ key: String) async throws -> String {
        if let cached = await files.text(key) { return cached }
        let text = try await playback.text(key)
        await files.remember(text, for: key)
        return text
    }

    func manifest(_ chunkPrefix: String) async throws -> ChunkManifest? {
        let text: String
        do {
            text = try await self.text(chunkPrefix + PublishedManifest.fileName)
        } catch is APIProblem {
            return nil
        }
        return try? JSONDecoder().decode(ChunkManifest.self, from: Data(text.utf8))
    }

    /// Chunk 0's rungs: the ladder this job encodes. A chunk marked done whose manifest is unreadable is a broken
    /// contract, said as such rather than served as an empty master.
    func rungs() async throws -> [ChunkManifest.Video] {
        let rungs = (try await manifest(chunkZero))?.video?.filter { $0.name.map(Self.isRungName) ?? false } ?? []
        guard !rungs.isEmpty else {
            throw APIProblem.serviceUnavailable(
                "lecture \(lectureID) is still encoding and its first part cannot be read yet; try again shortly"
            )
        }
        return rungs
    }

    static func isRungName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 32
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }
    }

    // MARK: The lecture view's links

    /// The playback links of a lecture that is still encoding: the API's growing master (with `grant`), chunk 0's
    /// poster, the rungs; no MP4 and no storyboard yet (the stitch makes them).
    func view(grant: String) async throws -> PlaybackView {
        let manifest = try await manifest(chunkZero)
        return PlaybackView(
            hls: "/v1/lectures/\(lectureID)/hls/master.m3u8" + Playback.grantQuery(grant),
            status: Self.encodingStatus,
            poster: try await playback.safe(manifest?.poster).asyncMap { try await playback.presign(chunkZero, $0) },
            renditions: (manifest?.video ?? []).map {
                PlaybackView.Rendition(name: $0.name ?? "", width: $0.width, height: $0.height, bandwidth: $0.bandwidth)
            },
            durationSeconds: record.durationSeconds ?? split.chunks.last?.end,
            expiresAt: Date().addingTimeInterval(TimeInterval(playback.config.playbackURLSeconds))
        )
    }

    static let encodingStatus = "encoding"

    // MARK: Master

    /// The master playlist in the transcoder's own form (see `MasterPlaylist` in the Transcoder), its links
    /// relative to the version's prefix; the caller rewrites them to the API's media playlists.
    func masterText() async throws -> String {
        let rungs = try await rungs()
        let audio = try await manifest(ObjectKeys.audioChunkPrefix(lectureID: lectureID, version: split.outputVersion))?
            .audio
        let audioCodecs = audio?.codecs ?? "mp4a.40.2"
        let audioBandwidth = audio?.bandwidth ?? 0
        var lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
        if audio != nil {
            lines.append(
                "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Audio\",LANGUAGE=\"und\",DEFAULT=YES,AUTOSELECT=YES,"
                    + "CHANNELS=\"2\",URI=\"\(Self.audioPlaylist)\""
            )
        }
        for rung in rungs {
            // Chunk 0's measured peak is one part's; the rung's cap bounds every part's (capped CRF), so a player
            // that picks a rung by BANDWIDTH is not surprised by a later, busier part.
            let video = max(rung.bandwidth ?? 0, rung.maxBitRate ?? 0)
            let average = rung.averageBandwidth ?? video
            var attributes = "BANDWIDTH=\(video + audioBandwidth),AVERAGE-BANDWIDTH=\(average + audioBandwidth)"
            if let width = rung.width, let height = rung.height { attributes += ",RESOLUTION=\(width)x\(height)" }
            let codecs = [rung.codecs, audio != nil ? audioCodecs : nil].compactMap { $0 }
            if !codecs.isEmpty { attributes += ",CODECS=\"\(codecs.joined(separator: ","))\"" }
            if let rate = rung.frameRate { attributes += ",FRAME-RATE=\(String(format: "%.3f", rate))" }
            if audio != nil { attributes += ",AUDIO=\"audio\"" }
            lines.append("#EXT-X-STREAM-INF:" + attributes)
            lines.append(Self.videoPlaylist(rung.name ?? ""))
        }
        if audio != nil {
            lines.append(
                "#EXT-X-STREAM-INF:BANDWIDTH=\(audioBandwidth),AVERAGE-BANDWIDTH=\(audioBandwidth),"
                    + "CODECS=\"\(audioCodecs)\""
            )
            lines.append(Self.audioPlaylist)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func videoPlaylist(_ rung: String) -> String { "video/\(rung)/playlist.m3u8" }

    // MARK: Media

    /// One rung's (or the audio's) growing playlist, every link presigned, and its target duration (for caching).
    func media(rendition id: String) async throws -> (text: String, targetDuration: Int) {
        guard let path = HLSRewriter.playlistPath(forRendition: id) else {
            throw APIProblem.notFound("no rendition \(id)")
        }
        if path == Self.audioPlaylist { return try await audio() }
        let rung = try await rungs().first { Self.videoPlaylist($0.name ?? "") == path }
        guard let name = rung?.name else { throw APIProblem.notFound("no rendition \(id)") }
        let directory = HLSRewriter.directory(of: path)
        var parts: [ChunkPlaylist] = []
        for index in 0..<split.contiguousDone {
            let chunk = ObjectKeys.chunkPrefix(lectureID: lectureID, version: split.outputVersion, index: index)
            parts.append(ChunkPlaylist(try await text(chunk + Self.videoPlaylist(name))))
        }
        // The init segment is chunk 0's (every chunk's is byte-identical, which the stitch checks); the segments
        // are at their published names, where every chunk writes them.
        guard let map = parts.first?.map, !HLSRewriter.isAbsolute(map),
            let mapPath = HLSRewriter.resolve(map, inDirectory: directory)
        else {
            throw APIProblem.serviceUnavailable("lecture \(lectureID)'s first part has no init segment yet; try again")
        }
        return try await render(
            parts.flatMap(\.segments),
            mediaSequence: parts.first?.mediaSequence ?? 0,
            // The split's declared longest segment, so the target never changes as parts arrive (RFC 8216 §6.2.1).
            targetDuration: max(split.targetDuration ?? 1, parts.map(\.targetDuration).max() ?? 1),
            initKey: chunkZero + mapPath,
            directory: directory
        )
    }

    /// The published audio playlist (the one audio chunk wrote it whole), cut where the video stops: a player
    /// must not be told of sound it has no picture for, nor think the lecture is as long as its sound.
    func audio() async throws -> (text: String, targetDuration: Int) {
        let playlist = ChunkPlaylist(try await text(prefix + Self.audioPlaylist))
        guard let map = playlist.map, !HLSRewriter.isAbsolute(map),
            let mapPath = HLSRewriter.resolve(map, inDirectory: "audio")
        else {
            throw APIProblem.serviceUnavailable("lecture \(lectureID)'s sound has no init segment yet; try again")
        }
        let through = split.playableThrough ?? 0
        var start = 0.0
        var kept: [ChunkPlaylist.Segment] = []
        // A segment that starts before the end is kept (1 ms of slack for the durations' rounding).
        for segment in playlist.segments where start < through - 0.001 {
            kept.append(segment)
            start += segment.duration
        }
        return try await render(
            kept,
            mediaSequence: playlist.mediaSequence,
            targetDuration: playlist.targetDuration,
            initKey: prefix + mapPath,
            directory: "audio"
        )
    }

    /// Links signed at the start of the current quarter of their lifetime, so the playlist a player reloads every few
    /// seconds lists the same URIs until the next quarter: Chromium's native HLS player (156) failed a growing
    /// playlist whose segment links changed on every reload (DEMUXER_ERROR_COULD_NOT_PARSE), and no player has to
    /// refetch a segment it already has. Every link still lives at least three quarters of its lifetime.
    func presignedStably(_ key: String, now: Date = Date()) async throws -> String {
        let lifetime = playback.config.playbackURLSeconds
        let quarter = Double(max(1, lifetime / 4))
        let signedAt = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / quarter).rounded(.down) * quarter)
        return try await playback.s3.presignedGetURLString(
            bucket: playback.bucket,
            key: key,
            expires: lifetime,
            date: signedAt
        )
    }

    private func render(
        _ segments: [ChunkPlaylist.Segment],
        mediaSequence: Int,
        targetDuration: Int,
        initKey: String,
        directory: String
    ) async throws -> (text: String, targetDuration: Int) {
        var lines = [
            "#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:\(targetDuration)",
            "#EXT-X-MEDIA-SEQUENCE:\(mediaSequence)", "#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-INDEPENDENT-SEGMENTS",
            // Players start a playlist without an end near its live edge unless told otherwise; a lecture starts at 0.
            "#EXT-X-START:TIME-OFFSET=0,PRECISE=YES",
            "#EXT-X-MAP:URI=\"\(try await presignedStably(initKey))\"",
        ]
        for segment in segments {
            guard !HLSRewriter.isAbsolute(segment.uri),
                let path = HLSRewriter.resolve(segment.uri, inDirectory: directory),
                path.hasPrefix(directory + "/")
            else {
                throw APIProblem.serviceUnavailable(
                    "lecture \(lectureID)'s encoded parts name a segment outside their rendition"
                )
            }
            lines += segment.tags
            lines.append(try await presignedStably(prefix + path))
        }
        return (lines.joined(separator: "\n") + "\n", targetDuration)
    }
}

/// What the API reads of a chunk's `manifest.json` (the Transcoder's `TranscodeManifest`), tolerantly.
struct ChunkManifest: Decodable, Sendable {
    struct Video: Decodable, Sendable {
        var name: String?
        var width: Int?
        var height: Int?
        var codecs: String?
        var frameRate: Double?
        var bandwidth: Int?
        var averageBandwidth: Int?
        var maxBitRate: Int?
        var playlist: String?
    }
    struct Audio: Decodable, Sendable {
        var codecs: String?
        var bandwidth: Int?
    }
    var video: [Video]?
    var audio: Audio?
    var poster: String?
    var duration: Double?
}

/// A chunk's media playlist (or the published audio playlist) read for its segments: the header tags the growing
/// playlist writes itself are dropped, with `#EXT-X-ENDLIST`; tags before a segment's URI stay with it.
struct ChunkPlaylist: Sendable, Equatable {
    struct Segment: Sendable, Equatable {
        var tags: [String]
        var uri: String
        var duration: Double
    }

    var targetDuration = 1
    var mediaSequence = 0
    var map: String?
    var segments: [Segment] = []

    static let dropped = [
        "#EXTM3U", "#EXT-X-VERSION", "#EXT-X-PLAYLIST-TYPE", "#EXT-X-INDEPENDENT-SEGMENTS", "#EXT-X-ENDLIST",
        "#EXT-X-ALLOW-CACHE",
    ]

    init(_ text: String) {
        var pending: [String] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if let value = Self.value(line, "#EXT-X-TARGETDURATION:") {
                targetDuration = max(1, Int(value) ?? 1)
            } else if let value = Self.value(line, "#EXT-X-MEDIA-SEQUENCE:") {
                mediaSequence = Int(value) ?? 0
            } else if line.hasPrefix("#EXT-X-MAP:") {
                map = Self.uriAttribute(line)
            } else if Self.dropped.contains(where: line.hasPrefix) {
                continue
            } else if line.hasPrefix("#") {
                if line.hasPrefix("#EXT") { pending.append(line) }
            } else {
                let duration =
                    pending.lazy.compactMap { Self.value($0, "#EXTINF:") }.first
                    .flatMap { Double($0.prefix { $0 != "," }) } ?? 0
                segments.append(Segment(tags: pending, uri: line, duration: duration))
                pending = []
            }
        }
    }

    private static func value(_ line: String, _ tag: String) -> String? {
        line.hasPrefix(tag) ? String(line.dropFirst(tag.count)) : nil
    }

    private static func uriAttribute(_ line: String) -> String? {
        guard let start = line.range(of: "URI=\"") else { return nil }
        let rest = line[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}

/// Chunk files (playlists, manifests) by S3 key. Only files of done chunks are read, and a done chunk is never
/// rewritten under the same output version (a re-run writes the same bytes), so an entry never goes stale; the
/// bound keeps memory flat (a 5-minute chunk's playlist is about 2 KB, so the whole cache stays near 2 MB).
actor DoneChunkFiles {
    private var entries: [String: String] = [:]
    private var order: [String] = []
    let capacity: Int

    init(capacity: Int = 1024) { self.capacity = capacity }

    func text(_ key: String) -> String? { entries[key] }

    func remember(_ text: String, for key: String) {
        guard entries.updateValue(text, forKey: key) == nil else { return }
        order.append(key)
        if order.count > capacity {
            entries[order.removeFirst()] = nil
        }
    }

    var count: Int { entries.count }
}
