import Foundation

/// Joins a split encode's chunks (issue #15) into one lecture's outputs, as a whole-file encode would have
/// written them: each rung's media playlist from the chunks' segment lists, the audio chunk's playlist, the
/// master playlist and `manifest.json` (measured with `ManifestAssembler.measure`, rendered by
/// `MasterPlaylist`), the poster, the slides and chapters (joined from the chunks', `SlideJoiner`), the storyboard
/// (composed from the chunks' sheets, `StoryboardComposer`) and the MP4 download (remuxed from the stitched
/// segments, `ProgressiveRemux`). The segments are read where they are (`Segments`): in the chunk directories, or
/// in place in S3 for the worker (`JobRunner+Stitch`).
///
/// It checks the chunk contract rather than trusting it: every chunk of a rung must have a byte-identical init
/// segment (the same encoder settings), each chunk must start where the ones before it end, with the segment
/// number its manifest records (`TranscodeManifest.chunk`), and its own numbers must run on without a gap. With
/// keyframes placed by content a chunk's numbers start at its start second (`TranscodePlan.chunkFirstSegmentNumber`),
/// so the stitched list has gaps in its numbers, not in its timeline.
public struct ChunkStitcher: Sendable {
    /// Opens a published file (a media segment, or the audio rendition's init segment) by its path in the
    /// lecture's outputs and its size from the chunk's manifest: the MP4 download is remuxed through it.
    public typealias PublishedFile =
        @Sendable (_ path: String, _ bytes: Int) throws(TranscodeError) -> any MediaByteSource

    /// Where the chunks' media segments are.
    public enum Segments: Sendable {
        /// In the chunk directories: linked (or copied) into the output, measured from the files.
        case copy
        /// Already at their published names (a split encode's segments in S3, `LectureSplit`): the chunk
        /// directories hold only the stitch's small files (manifests, playlists, init segments, thumbnails), and
        /// segment sizes come from the chunks' manifests. The output then holds only the new files; its manifest
        /// still lists every published file, the segments and the audio rendition's included. `open` reads a
        /// published file for the MP4 remux.
        case inPlace(open: PublishedFile)

        var isInPlace: Bool {
            if case .inPlace = self { return true }
            return false
        }
    }

    /// The video chunks' output directories, in timeline order.
    public let videoChunks: [String]
    /// The audio chunk's output directory (`audio: .only`), nil for a silent lecture.
    public let audioChunk: String?
    public let outputDirectory: String
    public let segments: Segments
    /// The lecture's slide rules (the whole encode's plan's), applied to the chunks' joined slides (`SlideJoiner`).
    public let slideSettings: SlideDetector.Settings

    public init(
        videoChunks: [String],
        audioChunk: String?,
        outputDirectory: String,
        segments: Segments = .copy,
        slideSettings: SlideDetector.Settings = .init()
    ) {
        self.videoChunks = videoChunks
        self.audioChunk = audioChunk
        self.outputDirectory = outputDirectory
        self.segments = segments
        self.slideSettings = slideSettings
    }

    /// `stitch()` on a thread of its own: the MP4 remux reads through byte sources whose reads block (S3), which
    /// must not hold one of the cooperative pool's few threads (see `OpeningThread`).
    public func stitchOnItsOwnThread() async throws(TranscodeError) -> TranscodeManifest {
        try await OpeningThread.run(name: "stitch") { () throws(TranscodeError) -> TranscodeManifest in try stitch() }
    }

    public func stitch() throws(TranscodeError) -> TranscodeManifest {
        guard !videoChunks.isEmpty else { throw TranscodeError(.invalidPlan, "There are no video chunks to stitch.") }
        let manifests = try videoChunks.map(Self.readManifest)
        let outputs = OutputDirectory(path: outputDirectory)
        try outputs.prepare()
        let first = manifests[0]
        let assembler = ManifestAssembler(outputDirectory: outputDirectory, plan: TranscodePlan(), info: first.source)
        var videos: [TranscodeManifest.VideoRendition] = []
        var masterVideos: [MasterPlaylist.Video] = []
        // Segments left in place: their entries in the chunks' manifests, which also give the measure their sizes.
        var placedFiles: [TranscodeManifest.File] = []
        if segments.isInPlace {
            placedFiles = manifests.flatMap(\.files).filter {
                $0.path.hasPrefix("video/") && $0.path.hasSuffix(".m4s")
            }
        }
        for rendition in first.video {
            try stitchRung(rendition, manifests: manifests, outputs: outputs)
            let measured = try measure(rendition.playlist, assembler: assembler, files: placedFiles)
            var stitched = rendition
            stitched.bandwidth = measured.peak
            stitched.averageBandwidth = measured.average
            stitched.segmentCount = measured.summary.segments.count
            stitched.duration = measured.summary.duration
            videos.append(stitched)
            masterVideos.append(
                .init(
                    uri: stitched.playlist,
                    bandwidth: measured.peak,
                    averageBandwidth: measured.average,
                    width: stitched.width,
                    height: stitched.height,
                    codecs: stitched.codecs,
                    frameRate: stitched.frameRate
                )
            )
        }
        var audio: TranscodeManifest.AudioRendition?
        var masterAudio: MasterPlaylist.Audio?
        var source = first.source
        if let audioChunk {
            let audioManifest = try Self.readManifest(audioChunk)
            source = audioManifest.source
            if let rendition = audioManifest.audio {
                let measured: (summary: MediaPlaylistSummary, peak: Int, average: Int)
                switch segments {
                case .copy:
                    let directory = audioChunk + "/" + Transcoder.Paths.audioDirectory
                    try copyItem(directory, to: Transcoder.Paths.audioDirectory)
                    measured = try assembler.measure(playlist: rendition.playlist)
                case .inPlace:
                    let audioFiles = audioManifest.files.filter {
                        $0.path.hasPrefix(Transcoder.Paths.audioDirectory + "/")
                    }
                    placedFiles += audioFiles
                    measured = try measure(
                        rendition.playlist,
                        in: audioChunk,
                        assembler: assembler,
                        files: audioFiles
                    )
                }
                audio = rendition
                masterAudio = .init(
                    uri: rendition.playlist,
                    bandwidth: measured.peak,
                    averageBandwidth: measured.average,
                    codecs: rendition.codecs
                )
            }
        }
        let poster = try copyPoster(manifests: manifests)
        let storyboard = try composeStoryboard(manifests: manifests)
        let slides = try SlideJoiner.join(
            zip(manifests, videoChunks).map { SlideJoiner.Chunk(slides: $0.slides, directory: $1) },
            duration: videos.first?.duration ?? 0,
            settings: slideSettings,
            outputDirectory: outputDirectory
        )
        let progressive = try remuxDownload(
            rungs: videos,
            audio: audio,
            audioFiles: placedFiles.filter { $0.path.hasPrefix(Transcoder.Paths.audioDirectory + "/") },
            placedFiles: placedFiles
        )
        let master = MasterPlaylist(videos: masterVideos, audio: masterAudio).render()
        do {
            try master.write(toFile: outputs.path(Transcoder.Paths.master), atomically: true, encoding: .utf8)
        } catch {
            throw TranscodeError(.outputFailure, "Could not write the master playlist: \(error.localizedDescription)")
        }
        let manifest = TranscodeManifest(
            duration: videos.first?.duration ?? 0,
            source: source,
            masterPlaylist: Transcoder.Paths.master,
            video: videos,
            audio: audio,
            progressive: progressive,
            poster: poster,
            storyboard: storyboard,
            droppedStreams: nil,
            corrections: nil,
            slides: slides,
            files: try
                (FileDigest.inventory(of: outputDirectory, excluding: [TranscodeManifest.fileName])
                + placedFiles).sorted { $0.path < $1.path }
        )
        try manifest.write(to: outputDirectory)
        return manifest
    }

    /// A stitched playlist's peak and average rates: from the segment files (`.copy`), or from the sizes the
    /// chunks' manifests recorded (`.inPlace`). `directory` holds the playlist (the output unless given).
    private func measure(
        _ playlist: String,
        in directory: String? = nil,
        assembler: ManifestAssembler,
        files: [TranscodeManifest.File]
    ) throws(TranscodeError) -> (summary: MediaPlaylistSummary, peak: Int, average: Int) {
        if !segments.isInPlace { return try assembler.measure(playlist: playlist) }
        let path = (directory ?? outputDirectory) + "/" + playlist
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TranscodeError(.chunkMismatch, "The playlist \(playlist) cannot be read.")
        }
        let folder = (playlist as NSString).deletingLastPathComponent
        let sizes = Dictionary(files.map { ($0.path, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        var missing: String?
        let measured = ManifestAssembler.measure(playlistText: text) { uri in
            guard let bytes = sizes[folder + "/" + uri] else {
                missing = missing ?? uri
                return 0
            }
            return bytes
        }
        if let missing {
            throw TranscodeError(
                .chunkMismatch,
                "The segment \(folder)/\(missing) is not in its chunk's manifest, so it was never uploaded."
            )
        }
        return measured
    }

    /// One rung: checks every chunk's init segment against the first chunk's, links the segments in and writes
    /// the media playlist listing them in order.
    private func stitchRung(
        _ rendition: TranscodeManifest.VideoRendition,
        manifests: [TranscodeManifest],
        outputs: OutputDirectory
    ) throws(TranscodeError) {
        let relativeDirectory = (rendition.playlist as NSString).deletingLastPathComponent
        let directory = try outputs.makeDirectory(relativeDirectory)
        var initBytes: Data?
        var segments: [(uri: String, duration: Double)] = []
        var nextNumber: Int?
        var elapsed = 0.0
        for (index, chunk) in videoChunks.enumerated() {
            let label = "chunk \(index + 1) of \(videoChunks.count) (\(chunk))"
            guard manifests[index].video.contains(where: { $0.name == rendition.name }) else {
                throw TranscodeError(.chunkMismatch, "The \(rendition.name) rendition is missing from \(label).")
            }
            let chunkDirectory = chunk + "/" + relativeDirectory
            guard let text = try? String(contentsOfFile: chunk + "/" + rendition.playlist, encoding: .utf8) else {
                throw TranscodeError(.chunkMismatch, "The \(rendition.name) playlist of \(label) cannot be read.")
            }
            let summary = MediaPlaylistSummary(text: text)
            let initName = summary.initURI ?? HLSMuxer.initName
            guard let bytes = FileManager.default.contents(atPath: chunkDirectory + "/" + initName) else {
                throw TranscodeError(.chunkMismatch, "The \(rendition.name) init segment of \(label) is missing.")
            }
            if let initBytes, initBytes != bytes {
                throw TranscodeError(
                    .chunkMismatch,
                    "The \(rendition.name) init segment of \(label) differs from chunk 1's: an encoder setting "
                        + "drifted between chunks, so they cannot be joined. Encode the lecture again."
                )
            }
            if initBytes == nil {
                initBytes = bytes
                try copyItem(chunkDirectory + "/" + initName, to: relativeDirectory + "/" + HLSMuxer.initName)
            }
            if let position = manifests[index].chunk {
                // Half a second of slack: EXTINF durations are rounded to the microsecond, chunk starts are whole.
                guard abs(elapsed - Double(position.start)) < 0.5 else {
                    throw TranscodeError(
                        .chunkMismatch,
                        "The \(rendition.name) segments of \(label) start at \(position.start) s, but the chunks "
                            + "before it end at \(String(format: "%.3f", elapsed)) s: a chunk is missing or overlaps "
                            + "the one before."
                    )
                }
                nextNumber = position.firstSegmentNumber
            }
            for segment in summary.segments {
                elapsed += segment.duration
                let number = Self.segmentNumber(segment.uri)
                if let expected = nextNumber, number != expected {
                    throw TranscodeError(
                        .chunkMismatch,
                        "The \(rendition.name) segments of \(label) start at number \(number.map(String.init) ?? "?"), "
                            + "expected \(expected): a chunk is missing or overlaps the one before."
                    )
                }
                nextNumber = number.map { $0 + 1 }
                if !self.segments.isInPlace {
                    try copyItem(chunkDirectory + "/" + segment.uri, to: relativeDirectory + "/" + segment.uri)
                }
                segments.append(segment)
            }
        }
        let playlist = Self.mediaPlaylist(segments: segments, initURI: HLSMuxer.initName)
        do {
            try playlist.write(toFile: directory + "/" + HLSMuxer.playlistName, atomically: true, encoding: .utf8)
        } catch {
            throw TranscodeError(.outputFailure, "Could not write the \(rendition.name) playlist.")
        }
    }

    /// The MP4 download, remuxed from the download rung's stitched segments and the audio rendition's
    /// (`ProgressiveRemux`): local files when the segments were copied, published ones through `open` otherwise.
    private func remuxDownload(
        rungs: [TranscodeManifest.VideoRendition],
        audio: TranscodeManifest.AudioRendition?,
        audioFiles: [TranscodeManifest.File],
        placedFiles: [TranscodeManifest.File]
    ) throws(TranscodeError) -> TranscodeManifest.Progressive? {
        guard let rung = ProgressiveRemux.rung(of: rungs) else { return nil }
        let sizes = Dictionary(placedFiles.map { ($0.path, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        func source(_ path: String, local: String) throws(TranscodeError) -> any MediaByteSource {
            switch segments {
            case .copy: return try FileByteSource(path: local)
            case .inPlace(let open):
                guard let bytes = sizes[path] else {
                    throw TranscodeError(.chunkMismatch, "\(path) is not in its chunk's manifest.")
                }
                return try open(path, bytes)
            }
        }
        func parts(
            playlist: String,
            in directory: String,
            initIsLocal: Bool
        ) throws(TranscodeError) -> [any MediaByteSource] {
            guard let text = try? String(contentsOfFile: directory + "/" + playlist, encoding: .utf8) else {
                throw TranscodeError(.chunkMismatch, "The playlist \(playlist) cannot be read.")
            }
            let folder = (playlist as NSString).deletingLastPathComponent
            let summary = MediaPlaylistSummary(text: text)
            let initPath = folder + "/" + (summary.initURI ?? HLSMuxer.initName)
            var sources: [any MediaByteSource] = [
                initIsLocal
                    ? try FileByteSource(path: directory + "/" + initPath)
                    : try source(initPath, local: directory + "/" + initPath)
            ]
            for segment in summary.segments {
                sources.append(
                    try source(folder + "/" + segment.uri, local: directory + "/" + folder + "/" + segment.uri)
                )
            }
            return sources
        }
        let video = try parts(playlist: rung.playlist, in: outputDirectory, initIsLocal: true)
        var sound: [any MediaByteSource]?
        if let audio, let audioChunk {
            // Copied: the audio rendition is in the output. In place: its playlist is in the audio chunk's
            // directory, its init segment and segments are published.
            let directory = segments.isInPlace ? audioChunk : outputDirectory
            sound = try parts(playlist: audio.playlist, in: directory, initIsLocal: !segments.isInPlace)
        }
        let written = try ProgressiveRemux.write(
            video: ConcatenatedByteSource(video),
            audio: sound.map { ConcatenatedByteSource($0) },
            videoDuration: rung.duration,
            to: outputDirectory + "/" + Transcoder.Paths.progressive
        )
        return TranscodeManifest.Progressive(
            path: Transcoder.Paths.progressive,
            width: written.width,
            height: written.height,
            hasAudio: written.hasAudio
        )
    }

    /// The storyboard composed from the chunks' sheets (`StoryboardComposer`), nil when the chunks wrote none.
    private func composeStoryboard(
        manifests: [TranscodeManifest]
    ) throws(TranscodeError) -> TranscodeManifest.Storyboard? {
        guard let layout = manifests.first?.storyboard else { return nil }
        var sheets: [StoryboardComposer.Sheet] = []
        var start = 0.0
        for (index, manifest) in manifests.enumerated() {
            guard manifest.storyboard == layout,
                let jpeg = FileManager.default.contents(atPath: videoChunks[index] + "/" + layout.image)
            else {
                throw TranscodeError(
                    .chunkMismatch,
                    "The storyboard of chunk \(index + 1) of \(manifests.count) is missing or laid out differently."
                )
            }
            sheets.append(.init(jpeg: jpeg, start: start))
            start += manifest.video.first?.duration ?? 0
        }
        guard let cues = try? String(contentsOfFile: videoChunks[0] + "/" + layout.cues, encoding: .utf8) else {
            throw TranscodeError(.chunkMismatch, "The storyboard cues of chunk 1 are missing.")
        }
        return try StoryboardComposer.compose(sheets, layout: layout, cues: cues, to: outputDirectory)
    }

    /// A VOD media playlist in the `hls` muxer's own layout, so a stitched rung reads like a whole encode's.
    static func mediaPlaylist(segments: [(uri: String, duration: Double)], initURI: String) -> String {
        let target = Int((segments.map(\.duration).max() ?? 0).rounded(.up))
        var lines = [
            "#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:\(target)", "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS", "#EXT-X-MAP:URI=\"\(initURI)\"",
        ]
        for segment in segments {
            lines.append("#EXTINF:\(String(format: "%.6f", segment.duration)),")
            lines.append(segment.uri)
        }
        lines.append("#EXT-X-ENDLIST")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `segment_00012.m4s` → 12.
    static func segmentNumber(_ uri: String) -> Int? {
        let name = (uri as NSString).deletingPathExtension
        return name.split(separator: "_").last.flatMap { Int($0) }
    }

    /// The poster comes from the chunk that holds the poster's moment (as `ThumbnailSheet` picks it: a tenth of
    /// the lecture, at most 10 s in).
    private func copyPoster(manifests: [TranscodeManifest]) throws(TranscodeError) -> String? {
        let total = manifests.reduce(0) { $0 + ($1.video.first?.duration ?? 0) }
        let moment = min(total * 0.1, 10)
        var start = 0.0
        for (index, manifest) in manifests.enumerated() {
            let length = manifest.video.first?.duration ?? 0
            if moment < start + length || index == manifests.count - 1, manifest.poster != nil {
                try copyItem(videoChunks[index] + "/" + Transcoder.Paths.poster, to: Transcoder.Paths.poster)
                return Transcoder.Paths.poster
            }
            start += length
        }
        return nil
    }

    /// Hard-links a chunk's file (or folder, recursively) into the output, copying when the link fails
    /// (another file system); segments are never read into memory.
    private func copyItem(_ source: String, to relative: String) throws(TranscodeError) {
        let target = outputDirectory + "/" + relative
        do {
            try? FileManager.default.removeItem(atPath: target)
            do {
                try FileManager.default.linkItem(atPath: source, toPath: target)
            } catch {
                try FileManager.default.copyItem(atPath: source, toPath: target)
            }
        } catch {
            throw TranscodeError(
                .outputFailure,
                "Could not copy \(relative) from a chunk: \(error.localizedDescription)"
            )
        }
    }

    private static func readManifest(_ directory: String) throws(TranscodeError) -> TranscodeManifest {
        guard let data = FileManager.default.contents(atPath: directory + "/" + TranscodeManifest.fileName),
            let manifest = try? JSONDecoder().decode(TranscodeManifest.self, from: data)
        else {
            throw TranscodeError(.chunkMismatch, "The chunk in \(directory) has no readable manifest.json.")
        }
        return manifest
    }
}
