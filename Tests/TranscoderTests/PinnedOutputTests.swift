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
    static let plan = TranscodePlan(ladder: [240, 180, 120].map(Rung.standard(height:)), segmentSeconds: 2, encoderThreads: 1)

    @Test func lectureWithSoundPublishesThePinnedFiles() async throws {
        let directory = try TemporaryDirectory()
        let source = try Fixtures.lecture(in: directory, seconds: 5)
        try await expectPinned(source: source, in: directory, name: "lectureWithSound", expected: Self.lectureWithSound)
    }

    @Test func silentVideoPublishesThePinnedFiles() async throws {
        let directory = try TemporaryDirectory()
        let source = try Fixtures.videoOnly(in: directory, seconds: 3)
        try await expectPinned(source: source, in: directory, name: "silentVideo", expected: Self.silentVideo)
    }

    @Test func audioOnlyPublishesThePinnedFiles() async throws {
        let directory = try TemporaryDirectory()
        let source = try Fixtures.audioOnly(in: directory, seconds: 3)
        try await expectPinned(source: source, in: directory, name: "audioOnly", expected: Self.audioOnly)
    }

    private func expectPinned(source: String, in directory: TemporaryDirectory, name: String, expected: [String: String]) async throws {
        let (manifest, _) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        var actual: [String: String] = [:]
        for file in manifest.files { actual[file.path] = file.sha256 }
        // The manifest itself is not in its own inventory; its numbers (bandwidths, sizes, durations) are pinned here.
        let summary = manifest.video.map { "\($0.name) \($0.width)x\($0.height) \($0.codecs) \($0.bandwidth)/\($0.averageBandwidth) \($0.segmentCount)" }
            + [manifest.audio.map { "audio \($0.channels)ch \($0.sampleRate) \($0.bandwidth)/\($0.averageBandwidth) \($0.segmentCount)" } ?? "no audio"]
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

    static let lectureWithSound: [String: String] = [:]
    static let silentVideo: [String: String] = [:]
    static let audioOnly: [String: String] = [:]
}
