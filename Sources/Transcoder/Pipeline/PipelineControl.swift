import Foundation
import Synchronization

/// Shared by every stage of one transcode: the first failure (or a cancellation) stops them all.
final class PipelineControl: Sendable {
    private let state = Mutex<(error: TranscodeError?, aborters: [@Sendable () -> Void])>((nil, []))

    var failure: TranscodeError? { state.withLock { $0.error } }
    var isStopped: Bool { failure != nil }

    /// Registers a queue to be aborted when the pipeline stops.
    func register<Element>(_ queue: BoundedQueue<Element>) {
        state.withLock { $0.aborters.append { queue.abort() } }
    }

    /// Records the first failure and wakes every blocked stage.
    func fail(_ error: TranscodeError) {
        let aborters: [@Sendable () -> Void] = state.withLock { state in
            guard state.error == nil else { return [] }
            state.error = error
            return state.aborters
        }
        aborters.forEach { $0() }
    }

    func cancel() { fail(TranscodeError(.cancelled, "The transcode was cancelled.")) }
}

/// Runs each stage on its own thread (encoders block for long stretches, which the cooperative
/// pool must not do) and resumes the caller when all have ended.
enum StageRunner {
    static func run(_ stages: [TranscodePipeline.Stage], control: PipelineControl) async {
        guard !stages.isEmpty else { return }
        let reportsCPU = ProcessInfo.processInfo.environment["LECTERN_STAGE_CPU"] != nil
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let remaining = Mutex(stages.count)
            for stage in stages {
                let body = stage.body
                let thread = Thread {
                    do throws(TranscodeError) {
                        try body()
                    } catch {
                        control.fail(error)
                    }
                    if reportsCPU { StageRunner.reportThreadCPU(stage: stage.name) }
                    let last = remaining.withLock { count in
                        count -= 1
                        return count == 0
                    }
                    if last { continuation.resume() }
                }
                thread.name = "lectern.\(stage.name)"
                thread.stackSize = 8 << 20
                thread.start()
            }
        }
    }

    /// Profiling aid (LECTERN_STAGE_CPU=1): the calling stage thread's CPU seconds, to stderr. Work done on
    /// libav* internal threads (frame-threaded decoding, multi-threaded x264) is not included.
    private static func reportThreadCPU(stage: String) {
        // schedstat: nanoseconds on the CPU, nanoseconds runnable but waiting for a CPU, time slices.
        let fields = ((try? String(contentsOfFile: "/proc/thread-self/schedstat", encoding: .utf8)) ?? "").split(
            separator: " "
        ).compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard fields.count >= 2 else { return }
        FileHandle.standardError.write(
            Data(
                """
                stage \(stage): \
                \(String(format: "%.2f s CPU, %.2f s waiting for a CPU", fields[0] / 1e9, fields[1] / 1e9))\n
                """
                .utf8
            )
        )
    }
}
