import Foundation
import Testing

@testable import Transcoder

/// Audio we cannot decode must not cost the lecturer the video: it is published silent, and the manifest
/// says which stream was dropped and why. With nothing decodable at all the transcode still fails, readably.
@Suite struct UndecodableAudioTests {
    @Test(arguments: ["garbage packets", "unknown codec"])
    func goodVideoIsPublishedWithoutTheAudio(kind: String) async throws {
        let directory = try TemporaryDirectory()
        let source =
            kind == "unknown codec"
            ? try await Fixtures.unknownCodecs(in: directory) : try await Fixtures.garbageAudio(in: directory)
        // The fixture really has an audio stream that the ffmpeg CLI cannot decode either.
        #expect(try await MediaTools.streams(source).map { $0["codec_type"] as? String } == ["video", "audio"])
        let cli = try await MediaTools.run(
            "ffmpeg",
            ["-nostdin", "-v", "error", "-i", source, "-map", "0:a", "-f", "framecrc", "-"]
        )
        #expect(!cli.text.split(separator: "\n").contains { !$0.hasPrefix("#") })

        let (manifest, output) = try await OutputChecks.transcode(source, in: directory)
        #expect(manifest.audio == nil)
        let dropped = try #require(manifest.droppedStreams)
        #expect(dropped.map(\.kind) == [.audio])
        #expect(dropped[0].reason.contains("without sound"))
        #expect(!FileManager.default.fileExists(atPath: output + "/" + Transcoder.Paths.audioDirectory))
        #expect(!manifest.files.contains { $0.path.hasPrefix(Transcoder.Paths.audioDirectory + "/") })

        // The video ladder is whole and plays; the master playlist has no audio group; the MP4 is video-only.
        #expect(manifest.video.count == 3)
        let hls = try await MediaTools.parseHLS(master: output + "/" + manifest.masterPlaylist)
        #expect(hls.media.isEmpty)
        #expect(hls.variants.allSatisfy { $0.audio == nil && $0.codecs?.contains("mp4a") == false })
        let duration = try await MediaTools.duration(source)
        for rendition in manifest.video {
            #expect(abs(rendition.duration - duration) <= 0.1)
            let joined = try OutputChecks.joinedStream(playlist: rendition.playlist, in: output)
            defer { try? FileManager.default.removeItem(atPath: joined) }
            #expect(try await MediaTools.decodeErrors(joined) == "")
        }
        let mp4 = output + "/" + Transcoder.Paths.progressive
        #expect(try await MediaTools.streams(mp4).map { $0["codec_type"] as? String } == ["video"])
        #expect(manifest.progressive?.hasAudio == false)
        #expect(try await MediaTools.decodeErrors(mp4) == "")
        // The note survives the trip through manifest.json.
        let written = try JSONDecoder().decode(
            TranscodeManifest.self,
            from: Data(contentsOf: URL(fileURLWithPath: output + "/" + TranscodeManifest.fileName))
        )
        #expect(written.droppedStreams == dropped)
    }

    @Test func nothingDecodableFailsWithAReadableReason() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.unknownCodecs(in: directory, noVideoCodec: true)
        let output = directory.file("out")
        let error = await #expect(throws: TranscodeError.self) {
            try await Transcoder().transcode(input: source, outputDirectory: output, plan: OutputChecks.smallLadder)
        }
        #expect(error?.kind == .unsupportedCodec)
        #expect(error?.isPermanent == true)
        #expect(error?.reason.contains("Neither the video") == true)
        #expect(error?.reason.contains("Please") == true)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []).isEmpty)
    }

    @Test func undecodableAudioWithoutVideoFails() async throws {
        let directory = try TemporaryDirectory()
        let audioOnly = try await Fixtures.unknownCodecs(in: directory, audioOnly: true)
        #expect(try await MediaTools.streams(audioOnly).map { $0["codec_type"] as? String } == ["audio"])
        let error = await #expect(throws: TranscodeError.self) {
            try await Transcoder().transcode(
                input: audioOnly,
                outputDirectory: directory.file("out"),
                plan: OutputChecks.smallLadder
            )
        }
        #expect(error?.kind == .unsupportedCodec)
        #expect(error?.reason.contains("an unknown codec") == true)
    }
}
