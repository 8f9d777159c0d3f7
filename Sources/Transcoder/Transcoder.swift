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
        let control = PipelineControl()
        let result: Result<TranscodeManifest, TranscodeError> = await withTaskCancellationHandler {
            do {
                try Task.checkCancellation()
                let session = try TranscodeSession(
                    input: input,
                    outputDirectory: outputDirectory,
                    plan: plan,
                    control: control,
                    progress: progress
                )
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
