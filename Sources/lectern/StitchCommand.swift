import ArgumentParser
import Foundation
import Transcoder

/// `lectern stitch`: joins a split encode's chunks (from `lectern transcode --range` and `--audio-only`) into one
/// lecture's outputs, checking that the chunks fit together (identical init segments, continuous numbering).
struct StitchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stitch",
        abstract: "Join the chunks of a split encode into one lecture "
            + "(master.m3u8, renditions, download.mp4, storyboard, manifest)."
    )

    @Argument(help: "Directory that receives the stitched lecture.")
    var outputDirectory: String

    @Argument(help: "The video chunks' output directories, in timeline order.")
    var videoChunks: [String]

    @Option(help: "The audio chunk's output directory (from `lectern transcode --audio-only`).")
    var audio: String?

    func run() throws {
        do {
            let manifest = try ChunkStitcher(
                videoChunks: videoChunks,
                audioChunk: audio,
                outputDirectory: outputDirectory
            )
            .stitch()
            print(
                "Stitched \(videoChunks.count) chunks: \(String(format: "%.2f", manifest.duration)) s, "
                    + "\(manifest.files.count) files in \(outputDirectory)."
            )
        } catch {
            FileHandle.standardError.write(Data("lectern stitch: \(error.reason)\n".utf8))
            throw ExitCode(error.isPermanent ? 2 : 1)
        }
    }
}
