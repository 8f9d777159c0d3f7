import AWS
import Captions
import Foundation
import LecternCore

/// A ready lecture's outputs: the manifest, presigned links, and rewritten playlists.
struct Playback: Sendable {
    let config: APIConfig
    let services: APIServices

    var s3: S3Client { services.s3 }
    var bucket: String { services.bucket }

    func presign(_ prefix: String, _ relative: String) async throws -> URL {
        try await s3.presignedGetURL(bucket: bucket, key: prefix + relative, expires: config.playbackURLSeconds)
    }

    /// A link that makes the browser save the file as `<title>.mp4` (S3 answers with the `Content-Disposition`
    /// the link asks for) instead of playing it in a bare tab.
    func presignDownload(_ prefix: String, _ relative: String, title: String) async throws -> URL {
        try await s3.presignedGetURL(
            bucket: bucket,
            key: prefix + relative,
            expires: config.playbackURLSeconds,
            query: [("response-content-disposition", DownloadDisposition.attachment(title: title))]
        )
    }

    /// The same link as text, for playlists: built and signed without a Foundation `URL` per segment.
    func presignedText(_ prefix: String, _ relative: String) async throws -> String {
        try await s3.presignedGetURLString(bucket: bucket, key: prefix + relative, expires: config.playbackURLSeconds)
    }

    /// A path from the manifest, if it stays inside the published prefix.
    func safe(_ path: String?) -> String? {
        guard let path, HLSRewriter.isSafeRelativePath(path) else { return nil }
        return path
    }

    func manifest(prefix: String) async throws -> PublishedManifest? {
        let object: S3Object
        do {
            object = try await s3.getObject(bucket: bucket, key: prefix + PublishedManifest.fileName, limit: 4 << 20)
        } catch let error as AWSError where error.isNotFound {
            return nil
        }
        return try? JSONDecoder().decode(PublishedManifest.self, from: object.body)
    }

    /// The links of a ready lecture; the API's own (playlist, storyboard cues) carry `grant` (see `PlaybackGrants`).
    func view(
        of record: LectureRecord,
        prefix: String,
        grant: String,
        managedByCaller: Bool = true
    ) async throws -> PlaybackView {
        let manifest = try await manifest(prefix: prefix)
        let query = Self.grantQuery(grant)
        var storyboard: PlaybackView.Storyboard?
        if let board = manifest?.storyboard, board.cues != nil {
            storyboard = .init(
                cues: "/v1/lectures/\(record.lectureId)/storyboard.vtt" + query,
                image: try await safe(board.image).asyncMap { try await presign(prefix, $0) },
                interval: board.interval,
                thumbnailWidth: board.thumbnailWidth,
                thumbnailHeight: board.thumbnailHeight
            )
        }
        let renditions = (manifest?.video ?? []).map {
            PlaybackView.Rendition(name: $0.name ?? "", width: $0.width, height: $0.height, bandwidth: $0.bandwidth)
        }
        return PlaybackView(
            hls: "/v1/lectures/\(record.lectureId)/hls/master.m3u8" + query,
            mp4: try await safe(manifest?.progressive?.path).asyncMap {
                try await presignDownload(prefix, $0, title: record.title)
            },
            poster: try await safe(manifest?.poster).asyncMap { try await presign(prefix, $0) },
            storyboard: storyboard,
            renditions: renditions,
            durationSeconds: manifest?.duration,
            expiresAt: Date().addingTimeInterval(TimeInterval(config.playbackURLSeconds)),
            notices: Self.notices(manifest, managedByCaller: managedByCaller),
            captions: try await CaptionHandlers.views(of: record, config: config, services: services),
            slides: try await slides(manifest?.slides, prefix: prefix)
        )
    }

    /// The slide list with presigned thumbnails and chapters track. The chapters track is presigned rather than
    /// API-served (unlike the storyboard) because it carries no links to rewrite. Nil unless slides were detected:
    /// `status: none` or an encode older than the detector shows no chapters. Items without times are left out.
    func slides(_ slides: PublishedManifest.Slides?, prefix: String) async throws -> PlaybackView.Slides? {
        guard let slides, slides.status == "detected" else { return nil }
        var items: [PlaybackView.Slide] = []
        for item in slides.items ?? [] {
            guard let start = item.start, let end = item.end, start.isFinite, end.isFinite, end >= start else {
                continue
            }
            items.append(
                .init(
                    start: start,
                    end: end,
                    title: item.title ?? "",
                    text: item.text ?? "",
                    thumbnail: try await safe(item.thumbnail).asyncMap { try await presign(prefix, $0) }
                )
            )
        }
        guard !items.isEmpty else { return nil }
        return .init(chapters: try await safe(slides.chapters).asyncMap { try await presign(prefix, $0) }, items: items)
    }

    /// Where every encode writes its poster, relative to the published prefix: `Transcoder.Paths.poster` (the API
    /// does not link the Transcoder, which brings FFmpeg). An encode without thumbnails (no video stream) has none,
    /// and the link answers 404: the portal's list shows no image then.
    static let posterPath = "poster.jpg"

    /// A ready lecture's poster, presigned without reading its manifest; nil for lectures not ready.
    func posterLink(_ record: LectureRecord) async throws -> URL? {
        guard record.state == .ready, let prefix = record.publishedPrefix else { return nil }
        return try await presign(prefix, Self.posterPath)
    }

    /// `?grant=…`: a grant is base64url and a dot, nothing to escape.
    static func grantQuery(_ grant: String) -> String { "?\(PlaybackGrants.queryParameter)=\(grant)" }

    /// Corrections every viewer is told about: they change what a student hears or sees ("The recording has no
    /// audible sound." saves them checking their speakers). The others ("audio −27.3 → −16.0 LUFS", "left channel
    /// only, centred", tone mapping…) report work done on the professor's recording: only those who manage the
    /// lecture see them. Dropped streams are shown to everyone.
    static let correctionKindsForEveryone: Set<String> = ["silence"]

    static func notices(_ manifest: PublishedManifest?, managedByCaller: Bool = true) -> [String]? {
        let reasons = (manifest?.droppedStreams ?? []).compactMap(\.reason).filter { !$0.isEmpty }
        let corrections = (manifest?.corrections ?? [])
            .filter { managedByCaller || correctionKindsForEveryone.contains($0.kind ?? "") }
            .compactMap(\.summary).filter { !$0.isEmpty }
        return reasons.isEmpty && corrections.isEmpty ? nil : reasons + corrections
    }

    func text(_ key: String) async throws -> String {
        do {
            return String(
                decoding: try await s3.getObject(bucket: bucket, key: key, limit: 16 << 20).body,
                as: UTF8.self
            )
        } catch let error as AWSError where error.isNotFound {
            throw APIProblem.notFound("the lecture's \(key.split(separator: "/").last ?? "file") is missing")
        }
    }

    /// The master playlist with its links pointing at the API's media playlists (`suffix`: their query, the grant).
    /// Caption tracks become subtitle renditions served by the API (`captions/<track>.m3u8`), and the variants are
    /// reordered so players start at 720p (see `MasterPlaylistEditor`).
    func master(prefix: String, suffix: String, captions: [CaptionTrack] = []) async throws -> String {
        let manifest = try await manifest(prefix: prefix)
        let masterPath = safe(manifest?.masterPlaylist) ?? PublishedManifest.defaultMaster
        return try await rewriteMaster(
            try await text(prefix + masterPath),
            directory: HLSRewriter.directory(of: masterPath),
            prefix: prefix,
            suffix: suffix,
            captions: captions
        )
    }

    /// A master playlist's links rewritten: its playlists to the API's (`suffix` appended), anything else presigned.
    func rewriteMaster(
        _ text: String,
        directory: String,
        prefix: String,
        suffix: String,
        captions: [CaptionTrack] = []
    ) async throws -> String {
        let rewritten = try await HLSRewriter.rewrite(text) { uri in
            guard !HLSRewriter.isAbsolute(uri), let path = HLSRewriter.resolve(uri, inDirectory: directory) else {
                return nil
            }
            if let id = HLSRewriter.renditionID(forPlaylist: path) { return "\(id).m3u8\(suffix)" }
            return try await presignedText(prefix, path)
        }
        return MasterPlaylistEditor.edit(
            rewritten,
            subtitles: MasterPlaylistEditor.subtitles(for: captions) { "captions/\($0.id).m3u8\(suffix)" }
        )
    }

    /// A caption track's subtitle playlist (its current version) with every segment link presigned.
    func subtitles(lectureID: String, track: CaptionTrack) async throws -> String {
        let prefix = track.prefix(lectureID: lectureID)
        return try await HLSRewriter.rewrite(try await text(prefix + CaptionSegmenter.playlistName)) { uri in
            guard !HLSRewriter.isAbsolute(uri), let path = HLSRewriter.resolve(uri, inDirectory: "") else { return nil }
            return try await presignedText(prefix, path)
        }
    }

    /// A media playlist with every link presigned.
    func media(prefix: String, rendition: String) async throws -> String {
        guard let path = HLSRewriter.playlistPath(forRendition: rendition) else {
            throw APIProblem.notFound("no rendition \(rendition)")
        }
        let directory = HLSRewriter.directory(of: path)
        return try await HLSRewriter.rewrite(try await text(prefix + path)) { uri in
            guard !HLSRewriter.isAbsolute(uri), let resolved = HLSRewriter.resolve(uri, inDirectory: directory) else {
                return nil
            }
            return try await presignedText(prefix, resolved)
        }
    }

    /// The storyboard's WebVTT with its image links (`storyboard.jpg#xywh=…`) presigned, fragments kept.
    func storyboardCues(prefix: String) async throws -> String {
        guard let board = try await manifest(prefix: prefix)?.storyboard, let cues = board.cues,
            HLSRewriter.isSafeRelativePath(cues)
        else {
            throw APIProblem.notFound("this lecture has no storyboard")
        }
        let directory = HLSRewriter.directory(of: cues)
        var presigned: [String: String] = [:]
        var lines: [String] = []
        for line in try await text(prefix + cues).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map(String.init)
        {
            let parts = line.split(separator: "#", maxSplits: 1)
            guard let target = parts.first,
                target.hasSuffix(".jpg") || target.hasSuffix(".png") || target.hasSuffix(".webp"),
                !line.contains("-->"), !HLSRewriter.isAbsolute(String(target)),
                let resolved = HLSRewriter.resolve(String(target), inDirectory: directory)
            else {
                lines.append(line)
                continue
            }
            if presigned[resolved] == nil { presigned[resolved] = try await presignedText(prefix, resolved) }
            lines.append(presigned[resolved]! + (parts.count > 1 ? "#" + parts[1] : ""))
        }
        return lines.joined(separator: "\n")
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// The playback routes: HLS playlists and storyboard cues, for anyone who may read the (ready) lecture.
struct PlaybackHandlers: Sendable {
    let lectures: LectureHandlers
    /// The chunk files growing playlists are built from (see `GrowingPlayback`), shared by every request.
    let chunkFiles = DoneChunkFiles()

    /// What the master and media routes serve: a ready lecture's published outputs, or a processing lecture's
    /// growing playlists (issue #15).
    enum Outputs {
        case published(prefix: String)
        case growing(GrowingPlayback)
    }

    private func playableLecture(_ context: RequestContext) async throws -> (LectureRecord, Outputs, Playback) {
        let caller = try context.caller
        let record = try await lectures.loadForReading(context.parameter("id"))
        try LectureAccess.requireRead(record, by: caller)
        let playback = Playback(config: lectures.config, services: lectures.services)
        if let split = record.growingSplit {
            let growing = GrowingPlayback(playback: playback, files: chunkFiles, record: record, split: split)
            return (record, .growing(growing), playback)
        }
        guard record.state == .ready, let prefix = record.publishedPrefix else {
            throw APIProblem.conflict(
                "lecture \(record.lectureId) is \(record.state.rawValue); it has nothing to play yet"
            )
        }
        return (record, .published(prefix: prefix), playback)
    }

    private func readyLecture(_ context: RequestContext) async throws -> (LectureRecord, String, Playback) {
        let caller = try context.caller
        let record = try await lectures.loadForReading(context.parameter("id"))
        try LectureAccess.requireRead(record, by: caller)
        guard record.state == .ready, let prefix = record.publishedPrefix else {
            throw APIProblem.conflict(
                "lecture \(record.lectureId) is \(record.state.rawValue); it has nothing to play yet"
            )
        }
        return (record, prefix, Playback(config: lectures.config, services: lectures.services))
    }

    static let playlistType = "application/vnd.apple.mpegurl"

    private func playlistResponse(_ text: String, config: APIConfig) -> APIResponse {
        var response = APIResponse.text(text, contentType: Self.playlistType)
        // Shorter than the presigned links inside, so a cached playlist never hands out dead links.
        response.headers["Cache-Control"] = "private, max-age=\(config.playbackURLSeconds / 4)"
        return response
    }

    /// A growing playlist changes every few seconds: cached for at most half a target duration, so a player that
    /// reloads once a target duration (RFC 8216 §6.3.4) always sees the newest; the master not at all (it turns
    /// into the published one when the stitch publishes).
    private func growingResponse(_ text: String, maxAge: Int?) -> APIResponse {
        var response = APIResponse.text(text, contentType: Self.playlistType)
        response.headers["Cache-Control"] = maxAge.map { "private, max-age=\($0)" } ?? "private, no-cache"
        return response
    }

    func master(_ context: RequestContext) async throws -> APIResponse {
        let (record, outputs, playback) = try await playableLecture(context)
        // The player that fetched this cannot send headers for the variants either: they carry a grant. The same one
        // that opened the master, never a new one, so a grant cannot renew itself past its expiry; a caller with a
        // bearer token gets one minted, so the playlist plays in any player.
        let grant =
            try context.playbackGrant
            ?? lectures.config.playbackGrants.mint(
                lecture: record.lectureId,
                course: record.courseId,
                for: context.caller
            )
        let prefix: String
        switch outputs {
        case .growing(let growing):
            let text = try await playback.rewriteMaster(
                try await growing.masterText(),
                directory: "",
                prefix: growing.prefix,
                suffix: Playback.grantQuery(grant)
            )
            return growingResponse(text, maxAge: nil)
        case .published(let published): prefix = published
        }
        return playlistResponse(
            try await playback.master(
                prefix: prefix,
                suffix: Playback.grantQuery(grant),
                captions: record.captions ?? []
            ),
            config: lectures.config
        )
    }

    func subtitles(_ context: RequestContext) async throws -> APIResponse {
        let (record, _, playback) = try await readyLecture(context)
        let trackID = context.parameter("track")
        guard let track = record.captions?.first(where: { $0.id == trackID }) else {
            throw APIProblem.notFound("lecture \(record.lectureId) has no caption track \(trackID)")
        }
        return playlistResponse(
            try await playback.subtitles(lectureID: record.lectureId, track: track),
            config: lectures.config
        )
    }

    func media(_ context: RequestContext) async throws -> APIResponse {
        let (_, outputs, playback) = try await playableLecture(context)
        let prefix: String
        switch outputs {
        case .growing(let growing):
            let media = try await growing.media(rendition: context.parameter("rendition"))
            return growingResponse(media.text, maxAge: max(1, media.targetDuration / 2))
        case .published(let published): prefix = published
        }
        return playlistResponse(
            try await playback.media(prefix: prefix, rendition: context.parameter("rendition")),
            config: lectures.config
        )
    }

    func storyboard(_ context: RequestContext) async throws -> APIResponse {
        let (_, prefix, playback) = try await readyLecture(context)
        return .text(try await playback.storyboardCues(prefix: prefix), contentType: "text/vtt; charset=utf-8")
    }
}
