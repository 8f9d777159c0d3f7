import Foundation
import Testing

@testable import Transcoder

/// Awkward inputs: each gives the right output or a clear, typed error — never a crash or a hang.
@Suite struct TranscodeInputTests {
    @Test func rotatedVideoIsPublishedUpright() async throws {
        let directory = try TemporaryDirectory()
        let (manifest, output) = try await OutputChecks.transcode(
            try await Fixtures.rotated(in: directory),
            in: directory,
            plan: TranscodePlan(ladder: [360, 240].map(Rung.standard(height:)), segmentSeconds: 2)
        )
        // 320x240 turned a quarter: 240x320 portrait, so the top rung is 320 tall (its own height) and 240 below it.
        #expect(manifest.video.map { [$0.width, $0.height] } == [[240, 320], [180, 240]])
        let joined = try OutputChecks.joinedStream(playlist: manifest.video[0].playlist, in: output)
        defer { try? FileManager.default.removeItem(atPath: joined) }
        let stream = try #require(try await MediaTools.streams(joined).first)
        #expect(stream["width"] as? Int == 240 && stream["height"] as? Int == 320)
        // No display matrix is left to rotate it a second time.
        #expect(
            (stream["side_data_list"] as? [[String: Any]] ?? []).allSatisfy {
                $0["side_data_type"] as? String != "Display Matrix"
            }
        )
    }

    @Test func oddSizeRoundsToEven() async throws {
        let directory = try TemporaryDirectory()
        let (manifest, output) = try await OutputChecks.transcode(
            try await Fixtures.videoOnly(in: directory, size: "641x361", seconds: 1),
            in: directory,
            plan: TranscodePlan(ladder: [360, 240].map(Rung.standard(height:)))
        )
        #expect(manifest.video.map { [$0.width, $0.height] } == [[640, 360], [426, 240]])
        let mp4 = try #require(try await MediaTools.streams(output + "/" + Transcoder.Paths.progressive).first)
        #expect(mp4["width"] as? Int == 640 && mp4["height"] as? Int == 360)
    }

    @Test(arguments: ["stereo", "mono"])
    func audioOnlyInputGivesAudioOnlyStereoHLS(layout: String) async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.audioOnly(in: directory, layout: layout)
        #expect(try await MediaTools.streams(source).first?["channel_layout"] as? String == layout)
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory)
        #expect(manifest.video.isEmpty)
        #expect(manifest.progressive == nil && manifest.poster == nil && manifest.storyboard == nil)
        let hls = try await MediaTools.parseHLS(master: output + "/" + manifest.masterPlaylist)
        #expect(hls.variants.count == 1)
        #expect(hls.variants[0].codecs == "mp4a.40.2")
        #expect(abs(hls.variants[0].playlist.duration - (try await MediaTools.duration(source))) <= 0.1)
        #expect(!FileManager.default.fileExists(atPath: output + "/video"))
        let joined = try OutputChecks.joinedStream(playlist: manifest.audio!.playlist, in: output)
        defer { try? FileManager.default.removeItem(atPath: joined) }
        #expect(try await MediaTools.streams(joined).first?["channels"] as? Int == 2)
        #expect(try await MediaTools.decodeErrors(joined) == "")
    }

    @Test func videoOnlyInputHasNoAudioGroup() async throws {
        let directory = try TemporaryDirectory()
        let (manifest, output) = try await OutputChecks.transcode(
            try await Fixtures.videoOnly(in: directory),
            in: directory
        )
        #expect(manifest.audio == nil)
        let hls = try await MediaTools.parseHLS(master: output + "/" + manifest.masterPlaylist)
        #expect(hls.media.isEmpty)
        #expect(hls.variants.count == 3)
        #expect(hls.variants.allSatisfy { $0.audio == nil && $0.codecs?.contains("mp4a") == false })
        let streams = try await MediaTools.streams(output + "/" + Transcoder.Paths.progressive)
        #expect(streams.map { $0["codec_type"] as? String } == ["video"])
    }

    @Test func singleFrameInput() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.videoOnly(
            in: directory,
            seconds: 1,
            extra: ["-frames:v", "1"],
            name: "one.mp4"
        )
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory)
        #expect(manifest.video.count == 3)
        for rendition in manifest.video {
            let joined = try OutputChecks.joinedStream(playlist: rendition.playlist, in: output)
            defer { try? FileManager.default.removeItem(atPath: joined) }
            let frames =
                try await MediaTools.probe(joined, ["-count_frames", "-show_streams"])["streams"] as? [[String: Any]]
            #expect(frames?.first?["nb_read_frames"] as? String == "1")
        }
        #expect(FileManager.default.fileExists(atPath: output + "/poster.jpg"))
    }

    /// A variable-rate source (3 of every 7 pictures missing) lands on the output rate's grid (its mean rate). With
    /// still pictures left out (the default, `StillPictureThinning`), the repeats that would fill its gaps are not
    /// encoded: every picture sits on the grid and the gaps stay gaps; with that off, the rate is constant.
    @Test(arguments: [true, false]) func variableFrameRateLandsOnTheOutputRate(dropsRepeats: Bool) async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.variableFrameRate(in: directory)
        let sourceDuration = try await MediaTools.duration(source)
        var plan = TranscodePlan()
        plan.dropsRepeatedPictures = dropsRepeats
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: plan)
        let rendition = try #require(manifest.video.first)
        let joined = try OutputChecks.joinedStream(playlist: rendition.playlist, in: output)
        defer { try? FileManager.default.removeItem(atPath: joined) }
        let times = try await MediaTools.frameTimes(joined)
        let steps = Set(zip(times, times.dropFirst()).map { (($1 - $0) * 1000).rounded() })
        let unit = 1000 / rendition.frameRate
        #expect(steps.allSatisfy { abs($0 / unit - ($0 / unit).rounded()) < 0.05 }, "frame spacing \(steps), \(unit)")
        if dropsRepeats {
            // The source's gaps stay gaps: spacings of several pictures' time.
            #expect(steps.contains { $0 > 1.5 * unit }, "frame spacing \(steps), \(unit)")
        } else {
            #expect(steps.count == 1, "frame spacing \(steps)")
        }
        #expect(abs(rendition.duration - sourceDuration) <= 0.1)
    }

    @Test func surroundIsDownmixedToStereo() async throws {
        let directory = try TemporaryDirectory()
        let (manifest, output) = try await OutputChecks.transcode(
            try await Fixtures.surround(in: directory),
            in: directory
        )
        #expect(manifest.audio?.channels == 2)
        let joined = try OutputChecks.joinedStream(playlist: manifest.audio!.playlist, in: output)
        defer { try? FileManager.default.removeItem(atPath: joined) }
        let stream = try #require(try await MediaTools.streams(joined).first)
        #expect(stream["channels"] as? Int == 2)
        #expect(stream["channel_layout"] as? String == "stereo")
        // The downmix carries the tone (the front/centre channels), not silence.
        let volume = try await MediaTools.run(
            "ffmpeg",
            ["-nostdin", "-i", joined, "-af", "volumedetect", "-f", "null", "-"]
        )
        .stderr
        let mean =
            volume.components(separatedBy: "mean_volume: ").last.flatMap { Double($0.prefix { $0 != " " }) } ?? -100
        #expect(mean > -40, "\(mean) dB")
    }

    @Test func interlacedVideoIsDeinterlaced() async throws {
        let directory = try TemporaryDirectory()
        let (manifest, output) = try await OutputChecks.transcode(
            try await Fixtures.interlaced(in: directory),
            in: directory
        )
        let joined = try OutputChecks.joinedStream(playlist: manifest.video[0].playlist, in: output)
        defer { try? FileManager.default.removeItem(atPath: joined) }
        let stream = try #require(try await MediaTools.streams(joined).first)
        #expect((stream["field_order"] as? String ?? "progressive") == "progressive")
        #expect(try await MediaTools.decodeErrors(joined) == "")
    }

    @Test func damagedStreamIsDecodedPast() async throws {
        let directory = try TemporaryDirectory()
        let clean = try await Fixtures.lecture(in: directory, seconds: 4)
        let damaged = try Fixtures.corrupt(clean, at: 0.5, count: 3000, name: "damaged.mp4", in: directory)
        #expect(try Data(contentsOf: URL(fileURLWithPath: damaged)) != Data(contentsOf: URL(fileURLWithPath: clean)))
        let (manifest, output) = try await OutputChecks.transcode(damaged, in: directory)
        // The whole lecture is still there, and what we publish decodes cleanly.
        #expect(abs(manifest.video[0].duration - 4) <= 0.1)
        for rendition in manifest.video {
            let joined = try OutputChecks.joinedStream(playlist: rendition.playlist, in: output)
            defer { try? FileManager.default.removeItem(atPath: joined) }
            #expect(try await MediaTools.decodeErrors(joined) == "")
        }
    }

    @Test(arguments: ["empty", "text", "truncated", "garbage"])
    func unreadableInputsFailWithReadableReasons(kind: String) async throws {
        let directory = try TemporaryDirectory()
        let input = directory.file("upload.mp4")
        switch kind {
        case "empty": #expect(FileManager.default.createFile(atPath: input, contents: Data()))
        case "text": try "Slides for week 3\n".write(toFile: input, atomically: true, encoding: .utf8)
        case "truncated":
            let clip = try await Fixtures.lecture(in: directory, seconds: 2)
            try Data(contentsOf: URL(fileURLWithPath: clip)).prefix(20_000).write(to: URL(fileURLWithPath: input))
        default:
            try Data((0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }).write(
                to: URL(fileURLWithPath: input)
            )
        }
        let output = directory.file("out")
        let error = await #expect(throws: TranscodeError.self) {
            try await Transcoder().transcode(input: input, outputDirectory: output)
        }
        #expect(error?.kind == .notMedia)
        #expect(error?.isPermanent == true)
        #expect(error?.reason.contains("Please") == true)
        // Nothing half-written is left behind.
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []).isEmpty)
    }

    @Test func overLimitsIsPermanent() async throws {
        let directory = try TemporaryDirectory()
        var plan = OutputChecks.smallLadder
        plan.limits = MediaLimits(maxDuration: 1)
        let source = try await Fixtures.videoOnly(in: directory, seconds: 2)
        let error = await #expect(throws: TranscodeError.self) {
            try await Transcoder().transcode(input: source, outputDirectory: directory.file("out"), plan: plan)
        }
        #expect(error?.kind == .overLimits)
        #expect(error?.isPermanent == true)
    }

    @Test func cancellationStopsPromptlyAndCleansUp() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.lecture(in: directory, seconds: 20)
        let output = directory.file("out")
        let started = ProgressLog()
        let task = Task {
            try await Transcoder().transcode(input: source, outputDirectory: output, plan: OutputChecks.smallLadder) {
                started.append($0)
            }
        }
        // Wait until frames are flowing, then cancel.
        let deadline = Date().addingTimeInterval(60)
        while started.values.isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!started.values.isEmpty)
        task.cancel()
        let result = await task.result
        #expect(throws: TranscodeError.self) { try result.get() }
        #expect((try? result.get()) == nil)
        if case .failure(let error as TranscodeError) = result { #expect(error.kind == .cancelled) }
        #expect(!FileManager.default.fileExists(atPath: output + "/video"))
        #expect(!FileManager.default.fileExists(atPath: output + "/manifest.json"))
    }
}
