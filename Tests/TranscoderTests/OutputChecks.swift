import Foundation
import Testing

@testable import Transcoder

/// Helpers that read published outputs back the way a player would.
enum OutputChecks {
    static let smallLadder = TranscodePlan(ladder: [240, 180, 120].map(Rung.standard(height:)), segmentSeconds: 2)

    static func transcode(
        _ input: String,
        in directory: TemporaryDirectory,
        plan: TranscodePlan = smallLadder,
        progress: @escaping @Sendable (TranscodeProgress) -> Void = { _ in }
    ) async throws -> (TranscodeManifest, String) {
        let output = directory.file("out")
        let manifest = try await Transcoder().transcode(
            input: input,
            outputDirectory: output,
            plan: plan,
            progress: progress
        )
        return (manifest, output)
    }

    /// Joins a media playlist's init segment and segments into one fMP4 file ffmpeg can read.
    static func joinedStream(
        playlist relative: String,
        in output: String,
        segments: ClosedRange<Int>? = nil
    ) throws -> String {
        let playlistPath = output + "/" + relative
        let directory = (playlistPath as NSString).deletingLastPathComponent
        let summary = MediaPlaylistSummary(text: try String(contentsOfFile: playlistPath, encoding: .utf8))
        var data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + (summary.initURI ?? "init.mp4")))
        let chosen = segments.map { Array(summary.segments[$0]) } ?? summary.segments
        for segment in chosen { data.append(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + segment.uri))) }
        // Beside the output directory, i.e. inside the test's `TemporaryDirectory`, so it goes with it even when a
        // caller forgets to remove it (hundreds had piled up in /tmp).
        let path = (output as NSString).deletingLastPathComponent + "/lectern-joined-\(UUID().uuidString).mp4"
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    static func segmentCount(playlist relative: String, in output: String) throws -> Int {
        MediaPlaylistSummary(text: try String(contentsOfFile: output + "/" + relative, encoding: .utf8)).segments.count
    }
}
