import CFFmpeg
import Foundation

/// After every stage has ended: measures the published playlists, writes the master playlist and the manifest.
struct ManifestAssembler {
    let outputDirectory: String
    let plan: TranscodePlan
    let info: MediaInfo

    func assemble(_ pipeline: TranscodePipeline) throws(TranscodeError) -> TranscodeManifest {
        var videos: [TranscodeManifest.VideoRendition] = []
        var masterVideos: [MasterPlaylist.Video] = []
        for rung in pipeline.video?.rungs ?? [] {
            let relative = Transcoder.Paths.videoDirectory(rung.spec.name) + "/" + HLSMuxer.playlistName
            let measured = try measure(playlist: relative)
            let codecs = CodecString.avc1(extradata: rung.encoder.extradata) ?? "avc1.640028"
            let rate = av_q2d(pipeline.video?.frameRate ?? AVRational(num: 0, den: 1))
            videos.append(
                .init(
                    name: rung.spec.name,
                    width: rung.spec.width,
                    height: rung.spec.height,
                    codecs: codecs,
                    frameRate: rate,
                    bandwidth: measured.peak,
                    averageBandwidth: measured.average,
                    maxBitRate: rung.spec.rung.maxBitRate,
                    playlist: relative,
                    segmentCount: measured.summary.segments.count,
                    duration: measured.summary.duration
                )
            )
            masterVideos.append(
                .init(
                    uri: relative,
                    bandwidth: measured.peak,
                    averageBandwidth: measured.average,
                    width: rung.spec.width,
                    height: rung.spec.height,
                    codecs: codecs,
                    frameRate: rate
                )
            )
        }
        var droppedStreams = pipeline.droppedStreams
        /// Each stage that corrects the sound or the picture appends what it did here (audio first, then video).
        var corrections: [TranscodeManifest.Correction] = []
        var audioStage = pipeline.audio
        var audio: TranscodeManifest.AudioRendition?
        var masterAudio: MasterPlaylist.Audio?
        if let reason = audioStage?.droppedReason {
            // Every audio packet failed to decode: publish the video alone. The MP4's audio track got no
            // samples, and the mp4 muxer leaves empty tracks out, so the download is video-only as it is.
            droppedStreams.append(.init(kind: .audio, codec: info.audio?.codec ?? "unknown", reason: reason))
            try? FileManager.default.removeItem(atPath: outputDirectory + "/" + Transcoder.Paths.audioDirectory)
            audioStage = nil
        }
        if let audioStage {
            let relative = Transcoder.Paths.audioDirectory + "/" + HLSMuxer.playlistName
            let measured = try measure(playlist: relative)
            let context = audioStage.encoder.pointer.pointee
            audio = .init(
                codecs: CodecString.aacLC,
                channels: Int(context.ch_layout.nb_channels),
                sampleRate: Int(context.sample_rate),
                bitRate: plan.audioBitRate,
                bandwidth: measured.peak,
                averageBandwidth: measured.average,
                playlist: relative,
                segmentCount: measured.summary.segments.count,
                duration: measured.summary.duration,
                loudness: audioStage.loudness
            )
            corrections += audioStage.corrections
            masterAudio = .init(
                uri: relative,
                bandwidth: measured.peak,
                averageBandwidth: measured.average,
                codecs: CodecString.aacLC
            )
        }
        let master = MasterPlaylist(videos: masterVideos, audio: masterAudio).render()
        do {
            try master.write(toFile: outputDirectory + "/" + Transcoder.Paths.master, atomically: true, encoding: .utf8)
        } catch {
            throw TranscodeError(.outputFailure, "Could not write the master playlist: \(error.localizedDescription)")
        }
        let storyboard = pipeline.video.map { video in
            let layout = video.thumbnails.layout
            return TranscodeManifest.Storyboard(
                image: Transcoder.Paths.storyboardImage,
                cues: Transcoder.Paths.storyboardCues,
                interval: layout.interval,
                thumbnailWidth: layout.thumbnailWidth,
                thumbnailHeight: layout.thumbnailHeight,
                columns: layout.columns,
                count: layout.count
            )
        }
        let pictureCorrections = pipeline.video?.corrections ?? []
        let slides = try pipeline.video?.slides?.finish(duration: videos.first?.duration ?? info.duration ?? 0)
        let files = try FileDigest.inventory(of: outputDirectory, excluding: [TranscodeManifest.fileName])
        let duration = videos.first?.duration ?? audio?.duration ?? info.duration ?? 0
        let hasAudio = audioStage != nil
        let manifest = TranscodeManifest(
            duration: duration,
            source: info,
            masterPlaylist: Transcoder.Paths.master,
            video: videos,
            audio: audio,
            progressive: pipeline.progressive.map {
                .init(
                    path: Transcoder.Paths.progressive,
                    width: $0.spec.width,
                    height: $0.spec.height,
                    hasAudio: hasAudio
                )
            },
            poster: pipeline.video == nil ? nil : Transcoder.Paths.poster,
            storyboard: storyboard,
            droppedStreams: droppedStreams.isEmpty ? nil : droppedStreams,
            corrections: (corrections + pictureCorrections).isEmpty ? nil : corrections + pictureCorrections,
            slides: slides,
            files: files,
            chunk: plan.range.map { .init(start: $0.start, firstSegmentNumber: plan.chunkFirstSegmentNumber ?? 0) }
        )
        try manifest.write(to: outputDirectory)
        return manifest
    }

    /// Peak (largest segment) and average bit rates of a finished media playlist, including its init segment.
    func measure(
        playlist relative: String
    ) throws(TranscodeError) -> (summary: MediaPlaylistSummary, peak: Int, average: Int) {
        let path = outputDirectory + "/" + relative
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TranscodeError(.outputFailure, "The playlist \(relative) was not written.")
        }
        let directory = (path as NSString).deletingLastPathComponent
        return Self.measure(playlistText: text) { name in
            ((try? FileManager.default.attributesOfItem(atPath: directory + "/" + name))?[.size] as? Int) ?? 0
        }
    }

    /// The same measure of a playlist whose segments are elsewhere (a split encode's, already in S3): `size`
    /// answers a segment's bytes by its URI.
    static func measure(
        playlistText text: String,
        size: (String) -> Int
    ) -> (summary: MediaPlaylistSummary, peak: Int, average: Int) {
        let summary = MediaPlaylistSummary(text: text)
        var peak = 0.0, total = 0
        for segment in summary.segments {
            let bytes = size(segment.uri)
            total += bytes
            if segment.duration > 0.5 { peak = max(peak, Double(bytes * 8) / segment.duration) }
        }
        let duration = summary.duration
        let average = duration > 0 ? Int(Double(total * 8) / duration) : 0
        return (summary, max(Int(peak.rounded(.up)), average), average)
    }
}
