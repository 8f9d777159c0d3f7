import ArgumentParser
import Foundation
import Synchronization
import Transcoder

struct TranscodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcode",
        abstract: "Transcode a lecture into an HLS ladder, MP4, thumbnails and a manifest."
    )

    @Argument(help: "The recording to transcode.")
    var input: String

    @Argument(
        help: "Directory that receives master.m3u8, the renditions, download.mp4, poster, storyboard and manifest.json."
    )
    var outputDirectory: String

    @Option(help: "Comma-separated rung heights, e.g. 1080,720,480,360. Rungs taller than the source are skipped.")
    var ladder: String?

    @Option(help: "x264 threads per rung (0 lets x264 decide).")
    var threads: Int = 0

    @Option(help: "HLS segment length, seconds.")
    var segmentSeconds: Int?

    @Option(
        help: """
            Split encoding (issue #15): encode only the video of START:END seconds (START: runs to the end), as one \
            chunk of the whole encode; both multiples of the segment length. Stitch chunks with `lectern stitch`.
            """
    )
    var range: String?

    @Flag(help: "Encode only the sound (the split encode's one audio chunk).")
    var audioOnly = false

    func validate() throws {
        if let range, TimeRange(range) == nil {
            throw ValidationError("--range must be START:END or START: in whole seconds, e.g. 120:240")
        }
        if range != nil && audioOnly { throw ValidationError("--range and --audio-only do not go together") }
        if let ladder, Self.heights(ladder) == nil {
            throw ValidationError(
                "--ladder must be comma-separated even heights between 2 and 8192, e.g. 1080,720,480,360"
            )
        }
    }

    static func heights(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! >= 2 && $0! <= 8192 && $0! % 2 == 0 }) else {
            return nil
        }
        return parts.compactMap { $0 }
    }

    func run() async throws {
        var plan = ladder.flatMap(Self.heights).map { TranscodePlan(heights: $0) } ?? TranscodePlan()
        plan.encoderThreads = threads
        if let segmentSeconds { plan.segmentSeconds = segmentSeconds }
        if range != nil || audioOnly {
            plan = try Self.chunkPlan(input: input, range: range.flatMap(TimeRange.init), base: plan)
        }
        let display = ProgressDisplay(isTerminal: isatty(STDERR_FILENO) == 1)
        do {
            let manifest = try await Transcoder().transcode(input: input, outputDirectory: outputDirectory, plan: plan)
            { progress in
                display.show(progress)
            }
            display.finish()
            let rungs = manifest.video.map { "\($0.name) \($0.width)x\($0.height)" }.joined(separator: ", ")
            print(
                """
                Done: \(String(format: "%.2f", manifest.duration)) s; video: \(rungs.isEmpty ? "none" : rungs); \
                audio: \(manifest.audio == nil ? "none" : "AAC stereo")
                """
            )
            if let corrections = manifest.corrections, !corrections.isEmpty {
                print("Corrected: " + corrections.map(\.summary).joined(separator: "; "))
            }
            if let slides = manifest.slides {
                print(
                    slides.status == .detected
                        ? "Slides: \(slides.items.count) chapters in \(slides.chapters ?? "chapters.vtt")"
                        : "Slides: none (\(slides.reason ?? "no stable slides"))"
                )
            }
            print("Wrote \(manifest.files.count) files to \(outputDirectory) (see \(TranscodeManifest.fileName)).")
        } catch {
            display.finish()
            FileHandle.standardError.write(Data("lectern transcode: \(error.reason)\n".utf8))
            throw ExitCode(error.isPermanent ? 2 : 1)
        }
    }
}

extension TranscodeCommand {
    /// A split encode's chunk plan: the whole encode's timestamp offset from `SplitProbe`, and its refusal (with
    /// the reason) when the recording cannot be split.
    static func chunkPlan(input: String, range: TimeRange?, base: TranscodePlan) throws -> TranscodePlan {
        do {
            switch try SplitProbe.examine(input: input, plan: base, chunkSeconds: base.segmentSeconds) {
            case .wholeOnly(let reason):
                FileHandle.standardError.write(Data("lectern transcode: cannot split: \(reason)\n".utf8))
                throw ExitCode(2)
            case .splittable(let layout):
                return range.map { layout.videoPlan(for: $0, base: base) } ?? layout.audioPlan(base: base)
            }
        } catch let error as TranscodeError {
            FileHandle.standardError.write(Data("lectern transcode: \(error.reason)\n".utf8))
            throw ExitCode(error.isPermanent ? 2 : 1)
        }
    }
}

/// A progress bar on a terminal, plain lines (about one per 5 %) otherwise; both on stderr.
final class ProgressDisplay: Sendable {
    private let isTerminal: Bool
    private let lastBucket = Mutex(-1)

    init(isTerminal: Bool) { self.isTerminal = isTerminal }

    func show(_ progress: TranscodeProgress) {
        let percent = Int(progress.fraction * 100)
        let eta = progress.estimatedSecondsRemaining.map { String(format: "ETA %.0fs", $0) } ?? "ETA --"
        let fps = String(format: "%.1f fps", progress.framesPerSecond)
        if isTerminal {
            let width = 30
            let filled = min(width, Int(progress.fraction * Double(width)))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(String(format: "%3d", percent))%  \(fps)  \(eta) ".utf8))
        } else {
            let bucket = percent / 5
            let isNew = lastBucket.withLock { last in
                guard bucket > last else { return false }
                last = bucket
                return true
            }
            if isNew { FileHandle.standardError.write(Data("progress \(percent)% \(fps) \(eta)\n".utf8)) }
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
