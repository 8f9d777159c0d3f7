import Foundation
import Testing

@testable import Transcoder

/// Pins the transcoder's exact outputs (every published file's SHA-256, the manifest's numbers) for generated
/// clips, so restructuring the session (issue #18) is checked to change no byte. The values hold for one FFmpeg
/// build (`recordedWith`): the tables recorded with an earlier Debian 12 FFmpeg differ from 5.1.9's in every video
/// segment.
/// On another build the test fails once, naming both builds, rather than with a digest per file. After an FFmpeg
/// upgrade, or after a change that is meant to alter the outputs, re-record with
/// `LECTERN_RECORD_PINNED_OUTPUTS=1` (the test then prints the new tables and fails) and say why in the commit.
@Suite struct PinnedOutputTests {
    /// `av_version_info()` of the build the tables below were recorded with.
    static let recordedWith = "5.1.9-0+deb12u1"

    /// One x264 thread per rung: frame-threaded x264 is deterministic too, but this keeps the pin independent
    /// of the core count the thread split reads.
    static let plan = TranscodePlan(
        ladder: [240, 180, 120].map(Rung.standard(height:)),
        segmentSeconds: 2,
        encoderThreads: 1
    )

    @Test func lectureWithSoundPublishesThePinnedFiles() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.lecture(in: directory, seconds: 5)
        try await expectPinned(source: source, in: directory, name: "lectureWithSound", expected: Self.lectureWithSound)
    }

    @Test func silentVideoPublishesThePinnedFiles() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.videoOnly(in: directory, seconds: 3)
        try await expectPinned(source: source, in: directory, name: "silentVideo", expected: Self.silentVideo)
    }

    @Test func audioOnlyPublishesThePinnedFiles() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.audioOnly(in: directory, seconds: 3)
        try await expectPinned(source: source, in: directory, name: "audioOnly", expected: Self.audioOnly)
    }

    private func expectPinned(
        source: String,
        in directory: TemporaryDirectory,
        name: String,
        expected: [String: String]
    ) async throws {
        let (manifest, _) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        var actual: [String: String] = [:]
        for file in manifest.files { actual[file.path] = file.sha256 }
        // The manifest itself is not in its own inventory; its numbers (bandwidths, sizes, durations) are pinned here.
        let summary =
            manifest.video.map {
                """
                \($0.name) \($0.width)x\($0.height) \($0.codecs) \
                \($0.bandwidth)/\($0.averageBandwidth) \($0.segmentCount)
                """
            }
            + [
                manifest.audio.map {
                    "audio \($0.channels)ch \($0.sampleRate) \($0.bandwidth)/\($0.averageBandwidth) \($0.segmentCount)"
                } ?? "no audio"
            ]
            + ["progressive \(manifest.progressive.map { "\($0.width)x\($0.height) audio=\($0.hasAudio)" } ?? "none")"]
            + ["duration \(String(format: "%.3f", manifest.duration))"]
        actual["(manifest)"] = summary.joined(separator: "; ")
        if ProcessInfo.processInfo.environment["LECTERN_RECORD_PINNED_OUTPUTS"] == "1" {
            let lines = actual.keys.sorted().map { "        \"\($0)\": \"\(actual[$0]!)\"," }
            print("// FFmpeg \(FFmpegBuild.version)")
            print("static let \(name): [String: String] = [\n" + lines.joined(separator: "\n") + "\n    ]")
            Issue.record("recorded \(name); paste the printed table into PinnedOutputTests")
            return
        }
        guard FFmpegBuild.version == Self.recordedWith else {
            Issue.record(
                """
                The pins were recorded with FFmpeg \(Self.recordedWith); this process links \(FFmpegBuild.version). \
                Re-record with LECTERN_RECORD_PINNED_OUTPUTS=1 on a tree whose outputs you trust, and say so in the \
                commit.
                """
            )
            return
        }
        #expect(Set(actual.keys) == Set(expected.keys), "files published")
        for (path, digest) in expected.sorted(by: { $0.key < $1.key }) where actual[path] != nil {
            #expect(actual[path] == digest, "\(path) changed")
        }
    }

    static let lectureWithSound: [String: String] = [
        "(manifest)": """
        240p 426x240 avc1.640015 383920/363809 3; 180p 320x180 avc1.64000d 252512/219760 3; \
        120p 214x120 avc1.64000c 130864/116009 3; audio 2ch 48000 131000/130457 3; \
        progressive 426x240 audio=true; duration 5.000
        """,
        "audio/init.mp4": "986dfc5e61e7254dfdb8a22c9fbc11d423a39deaa1d384b92a96c0dec7fdf3f5",
        "audio/playlist.m3u8": "6effd8011c2e520570b3381788638fa85adc5040899f1c033ccc07dcd540a160",
        "audio/segment_00000.m4s": "17ee5647ff6d08001aff55d48096573b884b10f2b7f1ce791de6099f937eee9a",
        "audio/segment_00001.m4s": "d4ca3432984fadfd7f35478bb0617ae69d4c57acc1e677f89f90eff5ffce3a8e",
        "audio/segment_00002.m4s": "7d3c7cdb3d00344d4493b24865d2c17d85f2d63613d4cd28ce20af1e30b44fda",
        "download.mp4": "62bca1efb9c6b63a6a696ef4ddd38ecc49b0feb9cec362aad26f93b4c33c98ea",
        "master.m3u8": "fac64a154f95c79137d478618ca0fb96015040fd1c3864abe8507cf01d3d6dea",
        "poster.jpg": "c74338698f349699ee271c40a5f05acdf5a58cd77193f10edf6a4fcad81eb817",
        "storyboard.jpg": "c3454bd1f3e5beb0632cff28649f4a3667afe3c129d7c420855617acd2dd8d96",
        "storyboard.vtt": "fa064a9ddf07bdfade12c5708e833f84011310772461b964b1eadf8162992746",
        "video/120p/init.mp4": "ac7979256b33a4a614b90ac786f380285afe576768b69d635c194ffa6a1d866e",
        "video/120p/playlist.m3u8": "903dffe82842294baed9c2a813b13c02befe80ee42e3ba2a2221fbe70cad0573",
        "video/120p/segment_00000.m4s": "04968812c03835f5f9e5d3d48a65ec8055926c632294bd994aca172ce4379856",
        "video/120p/segment_00001.m4s": "085307a94ca93cf46eb54cdedb5438801efa7f5d0209f7a9d34094636b308805",
        "video/120p/segment_00002.m4s": "c073646c088d9d784fbf408660f3cb67e5a3a3cae3119d91178011d66277b1d3",
        "video/180p/init.mp4": "d9764c0bec235fbb144a57c82a7928d45ff815fcd4f571e7c1f6158fb320dc07",
        "video/180p/playlist.m3u8": "903dffe82842294baed9c2a813b13c02befe80ee42e3ba2a2221fbe70cad0573",
        "video/180p/segment_00000.m4s": "8af3203e4d5251452d9874869a5e1b14d6937ce0d913a17033bf96e8e2cf5648",
        "video/180p/segment_00001.m4s": "0ebd77e7cf4e9bbaf38d7052c5776273fa1dd8258f6ff2004e779050507b2662",
        "video/180p/segment_00002.m4s": "e9b10526302216310ff7702d56174d2bccbb31bd3b34005eece804ec310ff8a1",
        "video/240p/init.mp4": "3ff6efea9fcf4aaed061a1b77246c9c6505b56077959c269e419b43e0bb0b7bd",
        "video/240p/playlist.m3u8": "903dffe82842294baed9c2a813b13c02befe80ee42e3ba2a2221fbe70cad0573",
        "video/240p/segment_00000.m4s": "a1692a9aa32dba8e2305b1b5708f73a0bc86782e31e5f6a10441e7bf9f7a9812",
        "video/240p/segment_00001.m4s": "0b9e444d772a7a8836ad6da31fb583657b85730bbc184a38876048e4a1fbf3d3",
        "video/240p/segment_00002.m4s": "12c7435f9dcc52d0f2a2c639c30f3b2ad64d34b131c8e7366d224ff3fb294245",
    ]
    static let silentVideo: [String: String] = [
        "(manifest)": """
        240p 426x240 avc1.640015 382456/354866 2; 180p 320x180 avc1.64000d 222552/205229 2; \
        120p 214x120 avc1.64000c 115288/110106 2; no audio; progressive 426x240 audio=false; duration 3.000
        """,
        "download.mp4": "13611b2a5fd6c17613c408994fa5545cecc4ce2659a768c21d3f4a54ba9f9b4c",
        "master.m3u8": "d3333625f2ec252d16a48536fb50e7e17fc835976a0c9962d9b987c4482248cf",
        "poster.jpg": "99c8b1ae2ea92fc2c027426e33a1d74d5d687a7b5b178b82d028d9c80cafb2d4",
        "storyboard.jpg": "60d30f60d2dd940691065502e903219827a8292b424da3865ed678803fc53e36",
        "storyboard.vtt": "be3e405b3709becee4fc5bb3f726503f0b2cf0bf9a4defb79113a6b8ffbf513e",
        "video/120p/init.mp4": "ac7979256b33a4a614b90ac786f380285afe576768b69d635c194ffa6a1d866e",
        "video/120p/playlist.m3u8": "e1044c4c5da51f9bba6b232a720af83623b3597841eca892c42e98f1d0dcb7f5",
        "video/120p/segment_00000.m4s": "4dd9dd52e90bccbaae40dc41cff1ef418dbd88f334381d97e4771376b304e417",
        "video/120p/segment_00001.m4s": "821a28edfd556112d90450ea12f94bdcaf78618b3feb4345935c7fac80878c16",
        "video/180p/init.mp4": "d9764c0bec235fbb144a57c82a7928d45ff815fcd4f571e7c1f6158fb320dc07",
        "video/180p/playlist.m3u8": "e1044c4c5da51f9bba6b232a720af83623b3597841eca892c42e98f1d0dcb7f5",
        "video/180p/segment_00000.m4s": "30d9ac02a74a54e84604f2be5007f084406d30d9525b73513845617007c14162",
        "video/180p/segment_00001.m4s": "5e25569acaa3669f961f44cf0895d68c7a8472c7ae55c45bf025d008fc6ca445",
        "video/240p/init.mp4": "3ff6efea9fcf4aaed061a1b77246c9c6505b56077959c269e419b43e0bb0b7bd",
        "video/240p/playlist.m3u8": "e1044c4c5da51f9bba6b232a720af83623b3597841eca892c42e98f1d0dcb7f5",
        "video/240p/segment_00000.m4s": "649a72db9a806ce4dbd6dd683d010eacd0e6bda87e3b97c31cc68424f7daa76a",
        "video/240p/segment_00001.m4s": "36b509fc19045cb20565d408c4664b691dd0ab49d4acdaa42d18838c1070bec8",
    ]
    static let audioOnly: [String: String] = [
        "(manifest)": "audio 2ch 44100 130625/130351 2; progressive none; duration 3.042",
        "audio/init.mp4": "b1315e433e5aba9e7cdb43ebefde0d5ca1bbb6f53f49512c1587ead40e90b840",
        "audio/playlist.m3u8": "9765c97649e2b421b110af68a6e74e9104c554489daae8b2e51006e12b380ec8",
        "audio/segment_00000.m4s": "e8710a0b1f965afc1bd63313b173548cbe89e187a785bed644cf00cf92cba2b4",
        "audio/segment_00001.m4s": "cc65e4f0819f181331964f08cf9149e4657c9834e7b68ce20c5509e8d7a1f81a",
        "master.m3u8": "10579d96072ccd1d2274a63a1e664d8d728a2efe9bf784117a0b2b19104d6e21",
    ]
}
