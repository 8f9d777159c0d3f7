import Foundation
import Testing

@testable import Transcoder

@Suite struct MediaProbeTests {
    @Test func describesContainerAndStreams() async throws {
        let directory = try TemporaryDirectory()
        let info = try MediaProbe.probe(path: try await Fixtures.lecture(in: directory, seconds: 2))
        #expect(info.container.contains("mp4"))
        #expect(abs((info.duration ?? 0) - 2) < 0.1)
        let video = try #require(info.video)
        #expect(video.codec == "h264")
        #expect(video.width == 426 && video.height == 240)
        #expect(abs((video.frameRate ?? 0) - 30) < 0.01)
        #expect(video.isVariableFrameRate == false)
        #expect(video.pixelFormat == "yuv420p")
        #expect(video.isInterlaced == false)
        #expect(video.rotation == 0)
        let audio = try #require(info.audio)
        #expect(audio.codec == "aac")
        #expect(audio.channels == 2)
        #expect(audio.channelLayout == "stereo")
        #expect(audio.sampleRate == 48000)
        #expect((audio.bitRate ?? 0) > 0)
    }

    @Test func readsRotationInterlacingVFRAndSurround() async throws {
        let directory = try TemporaryDirectory()
        #expect(try await MediaProbe.probe(path: Fixtures.rotated(in: directory)).video?.rotation == 90)
        let interlaced = try #require(try await MediaProbe.probe(path: Fixtures.interlaced(in: directory)).video)
        #expect(interlaced.isInterlaced == true)
        #expect(interlaced.fieldOrder == "tt")
        #expect(
            try await MediaProbe.probe(path: Fixtures.variableFrameRate(in: directory)).video?.isVariableFrameRate
                == true
        )
        let surround = try #require(try await MediaProbe.probe(path: Fixtures.surround(in: directory)).audio)
        #expect(surround.channels == 6)
        #expect(surround.channelLayout == "5.1")
    }

    @Test func rejectsFilesThatAreNotMedia() async throws {
        let directory = try TemporaryDirectory()
        let empty = directory.file("empty.mp4")
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        let text = directory.file("notes.mp4")
        try "These are my lecture notes, not a video.\n".write(toFile: text, atomically: true, encoding: .utf8)
        let truncated = try Fixtures.truncated(
            try await Fixtures.lecture(in: directory, seconds: 2),
            keeping: 0.5,
            name: "cut.mp4",
            in: directory
        )

        for path in [empty, text, truncated] {
            let error = #expect(throws: TranscodeError.self) { try MediaProbe.probe(path: path) }
            #expect(error?.kind == .notMedia, "\(path)")
            #expect(error?.isPermanent == true)
            #expect(error?.reason.isEmpty == false)
        }
        let missing = #expect(throws: TranscodeError.self) { try MediaProbe.probe(path: directory.file("missing.mp4")) }
        #expect(missing?.kind == .inputUnavailable)
        #expect(missing?.isPermanent == false)
    }

    @Test func rejectsMediaWithoutAudioOrVideo() async throws {
        let directory = try TemporaryDirectory()
        let subtitles = directory.file("captions.srt")
        try "1\n00:00:00,000 --> 00:00:01,000\nHello\n".write(toFile: subtitles, atomically: true, encoding: .utf8)
        let error = #expect(throws: TranscodeError.self) { try MediaProbe.probe(path: subtitles) }
        #expect(error?.kind == .noAudioOrVideo)
        #expect(error?.isPermanent == true)
    }

    @Test func enforcesLimitsWithReadableReasons() async throws {
        let directory = try TemporaryDirectory()
        let clip = try await Fixtures.lecture(in: directory, seconds: 2)
        let tooLong = #expect(throws: TranscodeError.self) {
            try MediaProbe.probe(path: clip, limits: MediaLimits(maxDuration: 1))
        }
        #expect(tooLong?.kind == .overLimits)
        #expect(tooLong?.reason.contains("longest we accept") == true)
        let tooBig = #expect(throws: TranscodeError.self) {
            try MediaProbe.probe(path: clip, limits: MediaLimits(maxDimension: 400))
        }
        #expect(tooBig?.kind == .overLimits)
        #expect(tooBig?.reason.contains("426×240") == true)
    }
}
