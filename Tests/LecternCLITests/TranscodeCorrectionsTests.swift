import Foundation
import LecternTestSupport
import Testing

/// `lectern transcode` tells the operator in one line what it corrected (issue #17).
@Suite struct TranscodeCorrectionsTests {
    @Test func aQuietLeftOnlyRecordingIsReportedInOneLine() async throws {
        let directory = NSTemporaryDirectory() + "lectern-cli-corrections-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A 4 s 300 Hz tone in the left channel only, about −33 LUFS; the right channel silent.
        let source = directory + "/left.m4a"
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generate.arguments = [
            "ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i", "sine=f=300:d=4:sample_rate=48000",
            "-af", "pan=stereo|c0=0.03*c0|c1=0*c0", "-c:a", "aac", source,
        ]
        try generate.run()
        generate.waitUntilExit()
        #expect(generate.terminationStatus == 0)

        let run = try await BuiltProducts.run("lectern", ["transcode", source, directory + "/out"])
        #expect(run.status == 0, "\(run.stderr)")
        let line = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("Corrected: ") })
        #expect(line.hasPrefix("Corrected: audio −"), "\(line)")
        #expect(line.contains(" → −16.0 LUFS") || line.contains(" → −15.9 LUFS") || line.contains(" → −16.1 LUFS"))
        #expect(line.hasSuffix(" LUFS; left channel only, centred"), "\(line)")
    }
}
