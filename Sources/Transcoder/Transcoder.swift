import CFFmpeg
import Foundation

/// Transcodes one lecture into an HLS (CMAF) ladder, a progressive MP4, a poster, a storyboard and a
/// manifest, decoding the input once and running every rung's encoder on its own thread.
public final class Transcoder: Sendable {
    public init() { LibAV.quiet }

    /// Layout of OUTDIR, relative paths.
    public enum Paths {
        public static let master = "master.m3u8"
        public static let progressive = "download.mp4"
        public static let poster = "poster.jpg"
        public static let storyboardImage = "storyboard.jpg"
        public static let storyboardCues = "storyboard.vtt"
        public static let audioDirectory = "audio"
        public static let chapters = "chapters.vtt"
        public static let slidesDirectory = "slides"
        public static func videoDirectory(_ rendition: String) -> String { "video/\(rendition)" }
        static let owned = [
            master, progressive, poster, storyboardImage, storyboardCues, "video", audioDirectory,
            TranscodeManifest.fileName,
            chapters, slidesDirectory,
        ]
    }

    /// Runs the transcode. Cancelling the calling task stops every stage promptly and removes the outputs.
    /// - Throws: `TranscodeError` only.
    public func transcode(
        input: String,
        outputDirectory: String,
        plan: TranscodePlan = TranscodePlan(),
        progress: @escaping @Sendable (TranscodeProgress) -> Void = { _ in }
    ) async throws(TranscodeError) -> TranscodeManifest {
        try await transcode(.path(input), outputDirectory: outputDirectory, plan: plan, progress: progress)
    }

    /// The same transcode reading the recording through a byte source (an S3 object read in ranges, so a chunk
    /// fetches only its time range): the same outputs, byte for byte, as from a file with those bytes. The source's
    /// `read` may block; it is only called on the transcode's own threads (see `OpeningThread`). A read that fails
    /// fails the transcode with the source's own error and removes the outputs.
    /// - Throws: `TranscodeError` only.
    public func transcode(
        source: any MediaByteSource,
        outputDirectory: String,
        plan: TranscodePlan = TranscodePlan(),
        progress: @escaping @Sendable (TranscodeProgress) -> Void = { _ in }
    ) async throws(TranscodeError) -> TranscodeManifest {
        try await transcode(.source(source), outputDirectory: outputDirectory, plan: plan, progress: progress)
    }

    private func transcode(
        _ input: TranscodeInput,
        outputDirectory: String,
        plan: TranscodePlan,
        progress: @escaping @Sendable (TranscodeProgress) -> Void
    ) async throws(TranscodeError) -> TranscodeManifest {
        let control = PipelineControl()
        let result: Result<TranscodeManifest, TranscodeError> = await withTaskCancellationHandler {
            do {
                try Task.checkCancellation()
                let session = try await OpeningThread.run(name: "open") { () throws(TranscodeError) in
                    try TranscodeSession(
                        input: input,
                        outputDirectory: outputDirectory,
                        plan: plan,
                        control: control,
                        progress: progress
                    )
                }
                return .success(try await session.run())
            } catch let error as TranscodeError {
                return .failure(error)
            } catch {
                return .failure(TranscodeError(.cancelled, "The transcode was cancelled."))
            }
        } onCancel: {
            control.cancel()
        }
        switch result {
        case .success(let manifest): return manifest
        case .failure(let error):
            Self.removeOutputs(in: outputDirectory)
            throw error
        }
    }

    static func removeOutputs(in directory: String) {
        for name in Paths.owned { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
    }
}
