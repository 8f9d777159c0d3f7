import Foundation

/// One transcode: opens the input and every encoder/muxer up front (so configuration errors surface before any
/// work; see `TranscodePipeline.open`), then runs the stages once and assembles the published outputs.
final class TranscodeSession {
    /// The session's lifecycle; each case holds what is valid in it, so nothing can be run twice or read early.
    private enum State {
        /// Every decoder, encoder and muxer is open and the stages are built; nothing has run.
        case opened(TranscodePipeline)
        /// The stages are running (or have ended and the manifest is being assembled).
        case running
        /// `run()` has returned or thrown; the session is spent.
        case finished
    }

    /// Lower CPU priority (nice) of every rung but the top one, which sets the ladder's pace (see `PipelineOpening`).
    static let followerRungNice: Int32 = 5

    private let outputDirectory: String
    private let plan: TranscodePlan
    private let control: PipelineControl
    private let info: MediaInfo
    private let reporter: ProgressReporter
    private var state: State

    init(
        input: TranscodeInput,
        outputDirectory: String,
        plan: TranscodePlan,
        control: PipelineControl,
        progress: @escaping @Sendable (TranscodeProgress) -> Void
    ) throws(TranscodeError) {
        let (pipeline, info, reporter) = try TranscodePipeline.open(
            input: input,
            outputDirectory: outputDirectory,
            plan: plan,
            control: control,
            progress: progress
        )
        self.outputDirectory = outputDirectory
        self.plan = plan
        self.control = control
        self.info = info
        self.reporter = reporter
        state = .opened(pipeline)
    }

    func run() async throws(TranscodeError) -> TranscodeManifest {
        guard case .opened(let pipeline) = state else { preconditionFailure("a TranscodeSession runs once") }
        state = .running
        defer { state = .finished }
        await StageRunner.run(pipeline.stages, control: control)
        if let failure = control.failure { throw failure }
        if let error = pipeline.progressive?.writer.finishError { throw error }
        let manifest = try ManifestAssembler(outputDirectory: outputDirectory, plan: plan, info: info).assemble(
            pipeline
        )
        reporter.finished()
        return manifest
    }
}
