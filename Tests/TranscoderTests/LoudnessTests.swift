import Foundation
import Testing

@testable import Transcoder

/// Issue #17, sound: every lecture is published at −16 LUFS with true peaks under −1.5 dBTP, a one-sided or
/// phase-inverted microphone is centred, real stereo is left alone, and a muted recording publishes with a notice.
/// The sources are generated speech-like signals; the published audio is measured with the ffmpeg CLI's own
/// `ebur128` and `astats`, not with our meter.
@Suite struct LoudnessTests {
    static let plan = TranscodePlan(ladder: [120].map(Rung.standard(height:)), segmentSeconds: 2, encoderThreads: 1)

    @Test(arguments: [-35.0, -10.0])
    func speechReachesTheTargetUnderTheCeiling(sourceLoudness: Double) async throws {
        let directory = try TemporaryDirectory()
        let source = try await LoudnessFixtures.speech(in: directory, loudness: sourceLoudness, channels: .both)
        let before = try await LoudnessFixtures.measure(source)
        #expect(abs(before.integrated - sourceLoudness) < 0.3)

        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        let published = try LoudnessFixtures.publishedAudio(manifest, output)
        let after = try await LoudnessFixtures.measure(published)
        #expect(abs(after.integrated - -16) <= 1, "published at \(after.integrated) LUFS")
        #expect(after.truePeak < -1.5, "true peak \(after.truePeak) dBTP")

        let loudness = try #require(manifest.audio?.loudness)
        #expect(abs((loudness.input.integrated ?? 0) - before.integrated) <= 0.5)
        #expect(abs(loudness.gain - (-16 - sourceLoudness)) <= 0.5)
        #expect(loudness.limitedByPeaks == false)
        #expect(loudness.channels == "none")
        // The output reading (our meter on the PCM given to the encoder) agrees with the CLI on the encoded result.
        #expect(abs((loudness.output.integrated ?? 0) - after.integrated) <= 0.5)
        let summary = try #require(manifest.corrections?.first { $0.kind == "loudness" }).summary
        #expect(
            summary
                == """
                audio \(AudioDecision.lufs(loudness.input.integrated!)) → \
                \(AudioDecision.lufs(loudness.output.integrated!)) LUFS
                """
        )
        #expect(manifest.corrections?.contains { $0.kind == "channels" } == false)
        // The spill is gone and not listed.
        #expect(!manifest.files.contains { $0.path.contains(AudioStage.spillName) })
        #expect(!FileManager.default.fileExists(atPath: output + "/audio/" + AudioStage.spillName))
    }

    @Test func peaksLimitTheGainAndTheNoticeSaysSo() async throws {
        let directory = try TemporaryDirectory()
        let source = try await LoudnessFixtures.speech(in: directory, loudness: -35, channels: .both, clicks: true)
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        let after = try await LoudnessFixtures.measure(try LoudnessFixtures.publishedAudio(manifest, output))
        #expect(after.truePeak < -1.5, "true peak \(after.truePeak) dBTP")
        #expect(after.integrated < -17, "the clicks should have held the gain back")
        let loudness = try #require(manifest.audio?.loudness)
        #expect(loudness.limitedByPeaks)
        let summary = try #require(manifest.corrections?.first { $0.kind == "loudness" }).summary
        #expect(summary.hasSuffix("LUFS (limited by peaks)"))
    }

    @Test(arguments: [LoudnessFixtures.Channels.leftOnly, .rightFarQuieter])
    func aOneSidedMicrophoneIsCentred(channels: LoudnessFixtures.Channels) async throws {
        let directory = try TemporaryDirectory()
        let source = try await LoudnessFixtures.speech(
            in: directory,
            loudness: -30,
            channels: channels,
            withVideo: true
        )
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        let published = try LoudnessFixtures.publishedAudio(manifest, output)
        let rms = try await LoudnessFixtures.channelRMS(published)
        #expect(abs(rms[0] - rms[1]) < 0.2, "channels at \(rms) dB")
        let after = try await LoudnessFixtures.measure(published)
        #expect(abs(after.integrated - -16) <= 1)
        #expect(manifest.audio?.loudness?.channels == "leftOnly")
        #expect(manifest.corrections?.first { $0.kind == "channels" }?.summary == "left channel only, centred")
        // The one-line summary `lectern transcode` prints reads like the issue's example.
        let line = manifest.corrections?.map(\.summary).joined(separator: "; ") ?? ""
        #expect(line.hasPrefix("audio −"))
        #expect(line.hasSuffix(" LUFS; left channel only, centred"))
        // The MP4 download carries the same corrected sound and decodes cleanly.
        let mp4 = output + "/" + Transcoder.Paths.progressive
        await #expect(try MediaTools.decodeErrors(mp4) == "")
        let mp4RMS = try await LoudnessFixtures.channelRMS(mp4)
        #expect(abs(mp4RMS[0] - mp4RMS[1]) < 0.2)
    }

    @Test func aPhaseInvertedPairNoLongerCancels() async throws {
        let directory = try TemporaryDirectory()
        let source = try await LoudnessFixtures.speech(in: directory, loudness: -25, channels: .inverted)
        // As recorded, a mono downmix (a phone speaker, one earbud) cancels.
        await #expect(try LoudnessFixtures.downmixRMS(source) < -80)
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        let published = try LoudnessFixtures.publishedAudio(manifest, output)
        let rms = try await LoudnessFixtures.channelRMS(published)
        await #expect(try LoudnessFixtures.downmixRMS(published) > max(rms[0], rms[1]) - 1)
        #expect(manifest.audio?.loudness?.channels == "invertRight")
        #expect(manifest.corrections?.contains { $0.kind == "channels" } == true)
    }

    @Test func genuineStereoIsLeftAlone() async throws {
        let directory = try TemporaryDirectory()
        let source = try await LoudnessFixtures.speech(in: directory, loudness: -16, channels: .stereo)
        let before = try await LoudnessFixtures.channelRMS(source)
        #expect(abs(before[0] - before[1]) > 3)
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        let after = try await LoudnessFixtures.channelRMS(try LoudnessFixtures.publishedAudio(manifest, output))
        // The balance between the channels is kept (the gain, under the notice threshold, moves both alike).
        #expect(abs((after[0] - after[1]) - (before[0] - before[1])) < 0.3, "\(before) → \(after)")
        #expect(manifest.audio?.loudness?.channels == "none")
        #expect(manifest.corrections == nil)
    }

    @Test func silencePublishesWithANoticeAndNoGain() async throws {
        let directory = try TemporaryDirectory()
        let source = try await LoudnessFixtures.speech(in: directory, loudness: nil, channels: .both, withVideo: true)
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        #expect(manifest.corrections == [.init(kind: "silence", summary: "The recording has no audible sound.")])
        let loudness = try #require(manifest.audio?.loudness)
        #expect(loudness.silent)
        #expect(loudness.gain == 0)
        #expect(loudness.input.integrated == nil)
        await #expect(try MediaTools.decodeErrors(try LoudnessFixtures.publishedAudio(manifest, output)) == "")
    }

    @Test func normalisationOffEncodesAsDecoded() async throws {
        let directory = try TemporaryDirectory()
        let source = try await LoudnessFixtures.speech(in: directory, loudness: -30, channels: .leftOnly)
        var plan = Self.plan
        plan.audioNormalisation = nil
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: plan)
        #expect(manifest.audio?.loudness == nil)
        #expect(manifest.corrections == nil)
        let after = try await LoudnessFixtures.measure(try LoudnessFixtures.publishedAudio(manifest, output))
        #expect(abs(after.integrated - -30) <= 1)
    }

    /// The two-pass encode keeps the one-pass timestamps: same segments, same durations, same packet times (the
    /// audio starts 0.37 s after the picture, so its first timestamp is not 0).
    @Test func twoPassesKeepTheAudioTimestamps() async throws {
        let directory = try TemporaryDirectory()
        let source = try await LoudnessFixtures.speech(
            in: directory,
            loudness: -30,
            channels: .both,
            withVideo: true,
            audioStartsLate: true
        )
        var off = Self.plan
        off.audioNormalisation = nil
        let one = try TemporaryDirectory()
        let (plain, plainOutput) = try await OutputChecks.transcode(source, in: one, plan: off)
        let (normalised, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        let plainTimes = try await LoudnessFixtures.packetTimes(LoudnessFixtures.publishedAudio(plain, plainOutput))
        #expect(
            plainTimes.first?.hasPrefix("0 ") == false,
            "the fixture's audio should start late: \(plainTimes.prefix(2))"
        )
        #expect(plain.audio?.segmentCount == normalised.audio?.segmentCount)
        #expect(plain.audio?.duration == normalised.audio?.duration)
        await #expect(
            try LoudnessFixtures.packetTimes(LoudnessFixtures.publishedAudio(plain, plainOutput))
                == LoudnessFixtures.packetTimes(LoudnessFixtures.publishedAudio(normalised, output))
        )
        let mp4 = Transcoder.Paths.progressive
        await #expect(
            try LoudnessFixtures.packetTimes(plainOutput + "/" + mp4)
                == LoudnessFixtures.packetTimes(output + "/" + mp4)
        )
    }

    /// Past 10 s the mp4 muxer stops waiting for the audio (its `max_interleave_delta`), so in a long lecture the
    /// download's audio, encoded after the source ends, lands after its video: the file must still be whole.
    @Test func aLongLecturesDownloadKeepsItsSoundInStep() async throws {
        let directory = try TemporaryDirectory()
        let source = try await LoudnessFixtures.speech(
            in: directory,
            loudness: -30,
            channels: .both,
            withVideo: true,
            seconds: 16
        )
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        let mp4 = output + "/" + Transcoder.Paths.progressive
        await #expect(try MediaTools.decodeErrors(mp4) == "")
        let streams = try await MediaTools.streams(mp4)
        #expect(streams.map { $0["codec_type"] as? String } == ["video", "audio"])
        let durations = streams.compactMap { Double($0["duration"] as? String ?? "") }
        #expect(durations.count == 2 && abs(durations[0] - durations[1]) < 0.1, "\(durations)")
        await #expect(abs(try LoudnessFixtures.measure(mp4).integrated - -16) <= 1)
        #expect(manifest.progressive?.hasAudio == true)
    }

    /// An hour at 48 kHz parks 1.38 GB; a disk without room for it is refused before any work, retryably.
    @Test func aSpillTheDiskCannotHoldIsRefusedUpFront() throws {
        let hour = AudioSpill.bytes(seconds: 3600, sampleRate: 48_000)
        #expect(hour == 1_382_400_000)
        let error = #expect(throws: TranscodeError.self) {
            try AudioSpill.checkRoom(needed: hour, available: 1_000_000_000)
        }
        #expect(error?.kind == .outputFailure)
        #expect(error?.isPermanent == false)
        #expect(error?.reason.contains("1.7 GB needed, 1.0 GB free") == true)
        try AudioSpill.checkRoom(needed: hour, available: 2_000_000_000)
        try AudioSpill.checkRoom(needed: hour, available: nil)
    }

    @Test func channelAnalysisJudgesEnergyAndCorrelation() {
        #expect(ChannelAnalysis.fix(leftEnergy: 1, rightEnergy: 0, crossEnergy: 0) == .leftOnly)
        #expect(ChannelAnalysis.fix(leftEnergy: 1, rightEnergy: 0.009, crossEnergy: 0.09) == .leftOnly)
        #expect(ChannelAnalysis.fix(leftEnergy: 1, rightEnergy: 0.011, crossEnergy: 0.1) == .none)
        #expect(ChannelAnalysis.fix(leftEnergy: 0, rightEnergy: 2, crossEnergy: 0) == .rightOnly)
        #expect(ChannelAnalysis.fix(leftEnergy: 1, rightEnergy: 1, crossEnergy: -0.95) == .invertRight)
        #expect(ChannelAnalysis.fix(leftEnergy: 1, rightEnergy: 1, crossEnergy: -0.5) == .none)
        #expect(ChannelAnalysis.fix(leftEnergy: 0, rightEnergy: 0, crossEnergy: 0) == .none)
    }
}

/// Generated speech-like sources and the ffmpeg CLI's measurements of them.
enum LoudnessFixtures {
    enum Channels: String, CustomStringConvertible {
        /// The same signal in both channels.
        case both
        case leftOnly
        /// The right channel 30 dB down (a second microphone left far away): judged one-sided too.
        case rightFarQuieter
        case inverted
        /// Correlated but different channels, the left 6 dB louder (a stereo room microphone).
        case stereo
        var description: String { rawValue }
    }

    /// A voice-like mono signal: a 140 Hz harmonic series, amplitude-modulated at a 4 Hz syllable rate, over a
    /// little pink noise (a peak-to-loudness ratio of ~12.5 dB, like speech).
    static func voice(in directory: TemporaryDirectory, seconds: Int, name: String) async throws -> String {
        let path = directory.file(name)
        let harmonics =
            "(0.5+0.5*sin(2*PI*4*t))*(sin(2*PI*140*t)+0.6*sin(2*PI*280*t+1)+0.4*sin(2*PI*420*t+2)"
            + "+0.3*sin(2*PI*700*t+0.5)+0.2*sin(2*PI*1400*t+3))*0.2"
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "aevalsrc='\(harmonics)':s=48000:d=\(seconds)",
            "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.05:sample_rate=48000:d=\(seconds):seed=7",
            "-filter_complex", "[0][1]amix=inputs=2:normalize=0,aformat=channel_layouts=mono",
            "-c:a", "pcm_f32le", path,
        ])
        return path
    }

    /// A stereo source at `loudness` LUFS (nil: digital silence), as float WAV so nothing clips at −10 LUFS;
    /// with a video track (a small test picture) when asked. `clicks` adds three near-full-scale clicks.
    static func speech(
        in directory: TemporaryDirectory,
        loudness: Double?,
        channels: Channels,
        withVideo: Bool = false,
        clicks: Bool = false,
        audioStartsLate: Bool = false,
        seconds: Int = 5
    ) async throws -> String {
        let voice = try await voice(in: directory, seconds: seconds, name: "voice.wav")
        let pan: String
        switch channels {
        case .both: pan = "pan=stereo|c0=c0|c1=c0"
        case .leftOnly: pan = "pan=stereo|c0=c0|c1=0*c0"
        case .rightFarQuieter: pan = "pan=stereo|c0=c0|c1=0.0316*c0"
        case .inverted: pan = "pan=stereo|c0=c0|c1=-1*c0"
        case .stereo:
            pan =
                """
                asplit[a][b];[b]adelay=7,highpass=f=300[c];\
                [a][c]join=inputs=2:channel_layout=stereo,pan=stereo|c0=c0|c1=0.5*c1
                """
        }
        let stereo = directory.file("stereo.wav")
        var filter = pan
        if clicks {
            filter += ",aeval='val(ch)+if(lt(mod(t+0.5,1.5),0.0005),0.8,0)':c=same"
        }
        if loudness == nil { filter += ",volume=0" }
        try await MediaTools.ffmpeg(["-i", voice, "-filter_complex", filter, "-c:a", "pcm_f32le", stereo])
        var input = stereo
        if let loudness {
            let measured = try await measure(stereo).integrated
            input = directory.file("levelled.wav")
            try await MediaTools.ffmpeg([
                "-i", stereo, "-af", "volume=\(loudness - measured)dB", "-c:a", "pcm_f32le", input,
            ])
        }
        guard withVideo else { return input }
        let path = directory.file("lecture.mkv")
        try await MediaTools.ffmpeg(
            [
                "-f", "lavfi", "-i", "testsrc2=s=160x120:r=15:d=\(seconds)",
            ] + (audioStartsLate ? ["-itsoffset", "0.37"] : []) + [
                "-i", input, "-c:v", "libx264",
                "-preset", "ultrafast", "-c:a", "copy", "-shortest", path,
            ]
        )
        return path
    }

    /// The published audio rendition as one file.
    static func publishedAudio(_ manifest: TranscodeManifest, _ output: String) throws -> String {
        let audio = try #require(manifest.audio)
        return try OutputChecks.joinedStream(playlist: audio.playlist, in: output)
    }

    /// The ffmpeg CLI's EBU R128 integrated loudness (LUFS) and true peak (dBTP) of a file's audio.
    static func measure(_ path: String) async throws -> (integrated: Double, truePeak: Double) {
        let result = try await MediaTools.run(
            "ffmpeg",
            ["-nostdin", "-v", "info", "-i", path, "-map", "0:a", "-af", "ebur128=peak=true", "-f", "null", "-"]
        )
        let summary = result.stderr.components(separatedBy: "Summary:").last ?? ""
        func value(_ label: String) -> Double? {
            guard let line = summary.split(separator: "\n").first(where: { $0.contains(label) }) else { return nil }
            return line.split(separator: " ").compactMap { Double($0) }.first
        }
        guard let integrated = value("I:"), let peak = value("Peak:") else {
            throw MediaTools.Failure(description: "no ebur128 summary for \(path): \(result.stderr.suffix(400))")
        }
        return (integrated, peak)
    }

    /// Each channel's RMS level, dB (astats).
    static func channelRMS(_ path: String, filter: String = "") async throws -> [Double] {
        let result = try await MediaTools.run(
            "ffmpeg",
            [
                "-nostdin", "-v", "info", "-i", path, "-map", "0:a", "-af",
                filter + "astats=measure_overall=none:measure_perchannel=RMS_level", "-f", "null", "-",
            ]
        )
        return result.stderr.split(separator: "\n").filter { $0.contains("RMS level dB:") }.map {
            let text = $0.components(separatedBy: "RMS level dB:").last!.trimmingCharacters(in: .whitespaces)
            return Double(text) ?? -.infinity
        }
    }

    /// The RMS level of the mono downmix (L+R)/2, dB.
    static func downmixRMS(_ path: String) async throws -> Double {
        try await channelRMS(path, filter: "pan=mono|c0=0.5*c0+0.5*c1,").first ?? -.infinity
    }

    /// Every audio packet's pts and duration.
    static func packetTimes(_ path: String) async throws -> [String] {
        let packets =
            try await MediaTools.probe(path, ["-select_streams", "a:0", "-show_entries", "packet=pts,duration"])[
                "packets"
            ]
            as? [[String: Any]] ?? []
        return packets.map { "\($0["pts"] ?? "") \($0["duration"] ?? "")" }
    }
}
