import Foundation
import Testing

@testable import Transcoder

/// Pins the transcoder's exact outputs (every published file's SHA-256, the manifest's numbers) for generated
/// clips, so restructuring the session (issue #18) is checked to change no byte. The values were recorded with
/// the FFmpeg this machine installs (`scripts/install-deps.sh`); after an FFmpeg upgrade, or after a change
/// that is meant to alter the outputs, re-record with `LECTERN_RECORD_PINNED_OUTPUTS=1` (the test then prints
/// the new tables and fails) and say why in the commit.
@Suite struct PinnedOutputTests {
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
                "\($0.name) \($0.width)x\($0.height) \($0.codecs) \($0.bandwidth)/\($0.averageBandwidth) \($0.segmentCount)"
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
            print("static let \(name): [String: String] = [\n" + lines.joined(separator: "\n") + "\n    ]")
            Issue.record("recorded \(name); paste the printed table into PinnedOutputTests")
            return
        }
        #expect(Set(actual.keys) == Set(expected.keys), "files published")
        for (path, digest) in expected.sorted(by: { $0.key < $1.key }) where actual[path] != nil {
            #expect(actual[path] == digest, "\(path) changed")
        }
    }

    static let lectureWithSound: [String: String] = [
        "(manifest)":
            "240p 426x240 avc1.640015 385512/363768 3; 180p 320x180 avc1.64000d 252512/218550 3; 120p 214x120 avc1.64000c 128800/114982 3; audio 2ch 48000 131000/130457 3; progressive 426x240 audio=true; duration 5.000",
        "audio/init.mp4": "986dfc5e61e7254dfdb8a22c9fbc11d423a39deaa1d384b92a96c0dec7fdf3f5",
        "audio/playlist.m3u8": "6effd8011c2e520570b3381788638fa85adc5040899f1c033ccc07dcd540a160",
        "audio/segment_00000.m4s": "17ee5647ff6d08001aff55d48096573b884b10f2b7f1ce791de6099f937eee9a",
        "audio/segment_00001.m4s": "d4ca3432984fadfd7f35478bb0617ae69d4c57acc1e677f89f90eff5ffce3a8e",
        "audio/segment_00002.m4s": "7d3c7cdb3d00344d4493b24865d2c17d85f2d63613d4cd28ce20af1e30b44fda",
        "download.mp4": "4f7be3458a1aa0d30446e4e8fb7468633d7ab6bb5502f765f79b684f909a0fec",
        "master.m3u8": "f8fe3b341dfb1df0ada91b983e848011ec2c5cf3db141b416cf00166dc970e56",
        "poster.jpg": "c74338698f349699ee271c40a5f05acdf5a58cd77193f10edf6a4fcad81eb817",
        "storyboard.jpg": "c3454bd1f3e5beb0632cff28649f4a3667afe3c129d7c420855617acd2dd8d96",
        "storyboard.vtt": "fa064a9ddf07bdfade12c5708e833f84011310772461b964b1eadf8162992746",
        "video/120p/init.mp4": "ac7979256b33a4a614b90ac786f380285afe576768b69d635c194ffa6a1d866e",
        "video/120p/playlist.m3u8": "903dffe82842294baed9c2a813b13c02befe80ee42e3ba2a2221fbe70cad0573",
        "video/120p/segment_00000.m4s": "6edc79de4929a8901ae993645361633d3f47eb1258d1f3cb1d8d384f259eeb35",
        "video/120p/segment_00001.m4s": "c9343365d136c25e4ee5431b3b09536b8c7301d0ab0a39e20e29da6acfff468e",
        "video/120p/segment_00002.m4s": "f1ec69aab5d5cf4f5716d2272d5f299fb8e07ad2beaeea589bbb9c42818f986e",
        "video/180p/init.mp4": "d9764c0bec235fbb144a57c82a7928d45ff815fcd4f571e7c1f6158fb320dc07",
        "video/180p/playlist.m3u8": "903dffe82842294baed9c2a813b13c02befe80ee42e3ba2a2221fbe70cad0573",
        "video/180p/segment_00000.m4s": "e61e8de9b41deecf73965debfc1891b796a9244733a36670441e43bbc4754301",
        "video/180p/segment_00001.m4s": "48b8653fdaeeeca8103433e85f420dd9cec87557242513c9211723d3981c7aa5",
        "video/180p/segment_00002.m4s": "fc990a818304d02cb00c4dc3c0c6dd1fe24b9dbd3f961468177571b4150eece2",
        "video/240p/init.mp4": "3ff6efea9fcf4aaed061a1b77246c9c6505b56077959c269e419b43e0bb0b7bd",
        "video/240p/playlist.m3u8": "903dffe82842294baed9c2a813b13c02befe80ee42e3ba2a2221fbe70cad0573",
        "video/240p/segment_00000.m4s": "d423b4b35572ec739bc45350c8db1e4c34c15a3905ddfe3861420f1422b3e22f",
        "video/240p/segment_00001.m4s": "1a7d5d0d38f35e51ae08aabf30518dbdfce3a275137d809056be71c732f46e1e",
        "video/240p/segment_00002.m4s": "35e74cdb6ff13a4934489c7be46640aca140f318705c84ec97a499821d910466",
    ]
    static let silentVideo: [String: String] = [
        "(manifest)":
            "240p 426x240 avc1.640015 382664/353482 2; 180p 320x180 avc1.64000d 223848/206000 2; 120p 214x120 avc1.64000c 115904/109709 2; no audio; progressive 426x240 audio=false; duration 3.000",
        "download.mp4": "ab9ed72192db48736d82978442f73550a03d811e8f7cc3bbb2fc3d1bed457aa4",
        "master.m3u8": "af6c6a9b6344a8d9ff07c2d405c8d0247649df5b4f554462ee6ed818825d5846",
        "poster.jpg": "99c8b1ae2ea92fc2c027426e33a1d74d5d687a7b5b178b82d028d9c80cafb2d4",
        "storyboard.jpg": "60d30f60d2dd940691065502e903219827a8292b424da3865ed678803fc53e36",
        "storyboard.vtt": "be3e405b3709becee4fc5bb3f726503f0b2cf0bf9a4defb79113a6b8ffbf513e",
        "video/120p/init.mp4": "ac7979256b33a4a614b90ac786f380285afe576768b69d635c194ffa6a1d866e",
        "video/120p/playlist.m3u8": "e1044c4c5da51f9bba6b232a720af83623b3597841eca892c42e98f1d0dcb7f5",
        "video/120p/segment_00000.m4s": "07b015484ddee2b4d9122d73576a8bfea3ac7061fbb677c7341abc58210f891d",
        "video/120p/segment_00001.m4s": "f8657238cf70070972dffc304473e6d1ed7be4350a5c14dd1004dbb47dddbe80",
        "video/180p/init.mp4": "d9764c0bec235fbb144a57c82a7928d45ff815fcd4f571e7c1f6158fb320dc07",
        "video/180p/playlist.m3u8": "e1044c4c5da51f9bba6b232a720af83623b3597841eca892c42e98f1d0dcb7f5",
        "video/180p/segment_00000.m4s": "a28b6f7d285bad75f7e76581cb5cff456ce7b921c44a739b96259f79386c7164",
        "video/180p/segment_00001.m4s": "7d77549efefad3152cf1fe51707e89b0ae4ad57ed2332aae2c36d9f7f8523c14",
        "video/240p/init.mp4": "3ff6efea9fcf4aaed061a1b77246c9c6505b56077959c269e419b43e0bb0b7bd",
        "video/240p/playlist.m3u8": "e1044c4c5da51f9bba6b232a720af83623b3597841eca892c42e98f1d0dcb7f5",
        "video/240p/segment_00000.m4s": "122d6e3af437ecd006abc47325c4d37fdd28c09cafb739631c271459f34f8e06",
        "video/240p/segment_00001.m4s": "97e5979fc362164185dcaed1557ce2ad4d2b0aed25ba61e9799facf701f985ab",
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
