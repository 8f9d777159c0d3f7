import Foundation
import Testing

@testable import Transcoder

/// One full transcode of a lecture-like clip, read back with ffprobe, ffmpeg and Python's m3u8.
@Suite struct TranscodeOutputTests {
    @Test func publishesAPlayableLadder() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.lecture(in: directory)
        let sourceDuration = try await MediaTools.duration(source)
        // The fixture really carries the private tags we expect to strip.
        #expect(try await MediaTools.formatTags(source)["model"] == Fixtures.sourceTags["model"])

        let updates = ProgressLog()
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory) { updates.append($0) }

        // Ladder: the source is 240 tall, so 240 is the top rung and nothing is upscaled.
        #expect(manifest.video.map(\.height) == [240, 180, 120])
        #expect(manifest.video.map(\.width) == [426, 320, 214])

        let hls = try await MediaTools.parseHLS(master: output + "/" + manifest.masterPlaylist)
        let videoVariants = hls.variants.filter { $0.resolution != nil }
        #expect(videoVariants.count == 3)
        let audioMedia = try #require(hls.media.first { $0.type == "AUDIO" })
        for variant in videoVariants {
            #expect(variant.audio == audioMedia.group)
            #expect(variant.codecs?.hasPrefix("avc1.") == true)
            #expect(variant.codecs?.hasSuffix(",mp4a.40.2") == true)
            #expect(abs((variant.frame_rate ?? 0) - 30) < 0.01)
            #expect((variant.average ?? 0) > 0 && variant.bandwidth >= (variant.average ?? 0))
            #expect(variant.playlist.endlist && variant.playlist.type == "vod")
            #expect(
                abs(variant.playlist.duration - sourceDuration) <= 0.1,
                "\(variant.uri): \(variant.playlist.duration) vs \(sourceDuration)"
            )
            #expect(variant.playlist.segments.dropLast().allSatisfy { abs($0.duration - 2) < 0.01 })
        }
        let audioOnly = try #require(hls.variants.first { $0.resolution == nil })
        #expect(audioOnly.codecs == "mp4a.40.2")
        #expect(abs((audioMedia.playlist?.duration ?? 0) - sourceDuration) <= 0.1)

        // Every segment decodes on its own (init + that segment).
        for rendition in manifest.video.map(\.playlist) + [manifest.audio!.playlist] {
            let count = try OutputChecks.segmentCount(playlist: rendition, in: output)
            #expect(count >= 3)
            for index in 0..<count {
                let joined = try OutputChecks.joinedStream(playlist: rendition, in: output, segments: index...index)
                defer { try? FileManager.default.removeItem(atPath: joined) }
                #expect(try await MediaTools.decodeErrors(joined) == "", "\(rendition) segment \(index)")
            }
        }

        // Keyframes fall on the same instants in every rung, once per segment.
        var keyframes: [[Double]] = []
        for rendition in manifest.video {
            let joined = try OutputChecks.joinedStream(playlist: rendition.playlist, in: output)
            defer { try? FileManager.default.removeItem(atPath: joined) }
            keyframes.append(try await MediaTools.keyframeTimes(joined))
            let stream = try #require(try await MediaTools.streams(joined).first)
            #expect(stream["height"] as? Int == rendition.height)
            #expect(abs(try await MediaTools.duration(joined) - sourceDuration) <= 0.1)
        }
        #expect(keyframes[0].count == 4)
        #expect(zip(keyframes[0], keyframes[0].dropFirst()).allSatisfy { abs($1 - $0 - 2) < 0.001 })
        #expect(keyframes.allSatisfy { $0 == keyframes[0] })

        // Audio and video start together (both carry the same encoder-delay offset).
        let firstVideo = try #require(keyframes[0].first)

        // Audio: stereo AAC-LC.
        let audioJoined = try OutputChecks.joinedStream(playlist: manifest.audio!.playlist, in: output)
        defer { try? FileManager.default.removeItem(atPath: audioJoined) }
        let audioStream = try #require(try await MediaTools.streams(audioJoined).first)
        #expect(audioStream["codec_name"] as? String == "aac")
        #expect(audioStream["profile"] as? String == "LC")
        #expect(audioStream["channels"] as? Int == 2)
        let audioStart = Double(audioStream["start_time"] as? String ?? "") ?? -1
        // AAC's first packet holds 1024 priming samples that play before the picture's first frame.
        #expect(abs(firstVideo - audioStart - 1024.0 / 48000) < 0.002, "video \(firstVideo) audio \(audioStart)")

        // Progressive MP4: top rung ≤ 720p with audio, moov before mdat, decodes cleanly.
        let mp4 = output + "/" + Transcoder.Paths.progressive
        let mp4Streams = try await MediaTools.streams(mp4)
        #expect(mp4Streams.compactMap { $0["codec_name"] as? String }.sorted() == ["aac", "h264"])
        #expect(mp4Streams.first { $0["codec_type"] as? String == "video" }?["height"] as? Int == 240)
        #expect(abs(try await MediaTools.duration(mp4) - sourceDuration) <= 0.1)
        #expect(try await MediaTools.decodeErrors(mp4) == "")
        let mp4Bytes = try Data(contentsOf: URL(fileURLWithPath: mp4))
        let moov = try #require(mp4Bytes.firstRange(of: Data("moov".utf8)))
        let mdat = try #require(mp4Bytes.firstRange(of: Data("mdat".utf8)))
        #expect(moov.lowerBound < mdat.lowerBound)

        // Nothing of the source's metadata is published.
        for file in manifest.files where file.path.hasSuffix(".mp4") || file.path.hasSuffix(".m4s") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: output + "/" + file.path))
            for value in Fixtures.sourceTags.values {
                #expect(bytes.firstRange(of: Data(value.utf8)) == nil, "\(file.path) contains \(value)")
            }
        }
        #expect(Set(try await MediaTools.formatTags(mp4).keys).isDisjoint(with: Fixtures.sourceTags.keys))

        // Poster and storyboard.
        let poster = try #require(try await MediaTools.streams(output + "/poster.jpg").first)
        #expect(poster["codec_name"] as? String == "mjpeg")
        #expect(poster["width"] as? Int == 426 && poster["height"] as? Int == 240)
        let storyboard = try #require(manifest.storyboard)
        let sheet = try #require(try await MediaTools.streams(output + "/" + storyboard.image).first)
        #expect(sheet["width"] as? Int == storyboard.columns * 160)
        #expect(
            sheet["height"] as? Int == (storyboard.count + storyboard.columns - 1) / storyboard.columns
                * storyboard.thumbnailHeight
        )
        let vtt = try String(contentsOfFile: output + "/" + storyboard.cues, encoding: .utf8)
        #expect(vtt.hasPrefix("WEBVTT"))
        #expect(vtt.components(separatedBy: "#xywh=").count - 1 == storyboard.count)

        // Manifest: every file listed with the right size and SHA-256, and nothing else on disk.
        let onDisk = try FileManager.default.subpathsOfDirectory(atPath: output).filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: output + "/" + path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }
        #expect(Set(onDisk) == Set(manifest.files.map(\.path) + [TranscodeManifest.fileName]))
        for file in manifest.files {
            #expect(try await MediaTools.sha256(output + "/" + file.path) == file.sha256, "\(file.path)")
        }
        let decoded = try JSONDecoder().decode(
            TranscodeManifest.self,
            from: Data(contentsOf: URL(fileURLWithPath: output + "/manifest.json"))
        )
        #expect(decoded == manifest)

        // Progress went forward and ended at 1.
        let fractions = updates.values.map(\.fraction)
        #expect(fractions.last == 1)
        #expect(zip(fractions, fractions.dropFirst()).allSatisfy { $0 <= $1 })
    }
}

/// Collects progress callbacks from the pipeline's threads.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [TranscodeProgress] = []
    func append(_ progress: TranscodeProgress) { lock.withLock { stored.append(progress) } }
    var values: [TranscodeProgress] { lock.withLock { stored } }
}
