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
            "240p 426x240 avc1.640015 386152/363496 3; 180p 320x180 avc1.64000d 252512/219692 3; 120p 214x120 avc1.64000c 130864/115841 3; audio 2ch 48000 131000/130457 3; progressive 426x240 audio=true; duration 5.000",
        "audio/init.mp4": "986dfc5e61e7254dfdb8a22c9fbc11d423a39deaa1d384b92a96c0dec7fdf3f5",
        "audio/playlist.m3u8": "6effd8011c2e520570b3381788638fa85adc5040899f1c033ccc07dcd540a160",
        "audio/segment_00000.m4s": "17ee5647ff6d08001aff55d48096573b884b10f2b7f1ce791de6099f937eee9a",
        "audio/segment_00001.m4s": "d4ca3432984fadfd7f35478bb0617ae69d4c57acc1e677f89f90eff5ffce3a8e",
        "audio/segment_00002.m4s": "7d3c7cdb3d00344d4493b24865d2c17d85f2d63613d4cd28ce20af1e30b44fda",
        "download.mp4": "8027c1706a78906eb90a49557f5014c1e070cda424f486c96036b6554f34b249",
        "master.m3u8": "c90ad4a2effb8f5ae4b0b80db0b7bcd3d04d9846605e8d83655ffdb4405327f8",
        "poster.jpg": "c74338698f349699ee271c40a5f05acdf5a58cd77193f10edf6a4fcad81eb817",
        "storyboard.jpg": "c3454bd1f3e5beb0632cff28649f4a3667afe3c129d7c420855617acd2dd8d96",
        "storyboard.vtt": "fa064a9ddf07bdfade12c5708e833f84011310772461b964b1eadf8162992746",
        "video/120p/init.mp4": "ac7979256b33a4a614b90ac786f380285afe576768b69d635c194ffa6a1d866e",
        "video/120p/playlist.m3u8": "903dffe82842294baed9c2a813b13c02befe80ee42e3ba2a2221fbe70cad0573",
        "video/120p/segment_00000.m4s": "58aa7f285e56fc43cbd8e334a7b725aef64a7a690c493440d804fc2fcd2549f5",
        "video/120p/segment_00001.m4s": "b6c8f01cc1cd293de30bf32c205b2cd1b6b58134e04f8260d0178c1527c40a9e",
        "video/120p/segment_00002.m4s": "707880e5b8c8d5a81fa8298547a5213b8924d059cd4ebc2902c43b32209255c1",
        "video/180p/init.mp4": "d9764c0bec235fbb144a57c82a7928d45ff815fcd4f571e7c1f6158fb320dc07",
        "video/180p/playlist.m3u8": "903dffe82842294baed9c2a813b13c02befe80ee42e3ba2a2221fbe70cad0573",
        "video/180p/segment_00000.m4s": "0d5903852e8f18da54f3e90fcf383c36dfa831e990bd868f7acc78394836caba",
        "video/180p/segment_00001.m4s": "5734d60bb74f8d897e31cd55d804273efdfeb12df47fa5c202e5a79c92c3dc5c",
        "video/180p/segment_00002.m4s": "fc990a818304d02cb00c4dc3c0c6dd1fe24b9dbd3f961468177571b4150eece2",
        "video/240p/init.mp4": "3ff6efea9fcf4aaed061a1b77246c9c6505b56077959c269e419b43e0bb0b7bd",
        "video/240p/playlist.m3u8": "903dffe82842294baed9c2a813b13c02befe80ee42e3ba2a2221fbe70cad0573",
        "video/240p/segment_00000.m4s": "70258c93b2efa87d01ea81286c2424fb6bce4320dfdd6725ba5bce16007e8650",
        "video/240p/segment_00001.m4s": "7fa2df1e658c0f5be36f570ff70f42a36981db290e780d767f88372f55315b44",
        "video/240p/segment_00002.m4s": "6f91d1db3ae2d32f0d41f0a1214957f3112184d06b3e0363bfeaacc2eaa439d5",
    ]
    static let silentVideo: [String: String] = [
        "(manifest)":
            "240p 426x240 avc1.640015 382008/354250 2; 180p 320x180 avc1.64000d 222560/205165 2; 120p 214x120 avc1.64000c 115904/110296 2; no audio; progressive 426x240 audio=false; duration 3.000",
        "download.mp4": "de04ee3fd5872d24df68531cfb7772b31f9d0d4b63407a37b03f7b3540f8f8b3",
        "master.m3u8": "31c7f805c26c91781b30810bfef27cfc9fd4d48fab27517711779d91b037ce02",
        "poster.jpg": "99c8b1ae2ea92fc2c027426e33a1d74d5d687a7b5b178b82d028d9c80cafb2d4",
        "storyboard.jpg": "60d30f60d2dd940691065502e903219827a8292b424da3865ed678803fc53e36",
        "storyboard.vtt": "be3e405b3709becee4fc5bb3f726503f0b2cf0bf9a4defb79113a6b8ffbf513e",
        "video/120p/init.mp4": "ac7979256b33a4a614b90ac786f380285afe576768b69d635c194ffa6a1d866e",
        "video/120p/playlist.m3u8": "e1044c4c5da51f9bba6b232a720af83623b3597841eca892c42e98f1d0dcb7f5",
        "video/120p/segment_00000.m4s": "ad0f7ec3007a4356b10e67c280dfb947da3022cd6c884167c19fb94255a3e0d1",
        "video/120p/segment_00001.m4s": "f8657238cf70070972dffc304473e6d1ed7be4350a5c14dd1004dbb47dddbe80",
        "video/180p/init.mp4": "d9764c0bec235fbb144a57c82a7928d45ff815fcd4f571e7c1f6158fb320dc07",
        "video/180p/playlist.m3u8": "e1044c4c5da51f9bba6b232a720af83623b3597841eca892c42e98f1d0dcb7f5",
        "video/180p/segment_00000.m4s": "a0d4b682061fe6d994a777ef48e549dc822a7aa515e4a7cbc323ea621b4ffa8e",
        "video/180p/segment_00001.m4s": "d697932ad1dab7d7f328344e9bb307e8738a13c085140cbb08c4a9053e2e847e",
        "video/240p/init.mp4": "3ff6efea9fcf4aaed061a1b77246c9c6505b56077959c269e419b43e0bb0b7bd",
        "video/240p/playlist.m3u8": "e1044c4c5da51f9bba6b232a720af83623b3597841eca892c42e98f1d0dcb7f5",
        "video/240p/segment_00000.m4s": "f8a9993102dbcc1f2405b1f90c1583ff48742e875c015ec9b1c8b640d62f86c8",
        "video/240p/segment_00001.m4s": "cc821116badf458ac568d2e5430adf6895abb9912c3db8a8360a00dd86811419",
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
