import Foundation

/// Runs a transcode's opening (`avformat_open_input`, `avformat_find_stream_info`, the seek for a chunk's range,
/// every encoder and muxer) on a thread of its own and suspends the caller until it is done.
///
/// A byte source's `read` blocks (the S3 source waits on a ranged GET), and the opening reads the container's
/// header and index through it. On a cooperative-pool thread that would block one of the pool's few threads
/// (two on a 2-core worker): with both blocked, the S3 client's own tasks, which would complete those reads,
/// never run. A local file opens the same way, so both inputs share one path.
enum OpeningThread {
    static func run<Value>(
        name: String,
        _ body: @escaping @Sendable () throws(TranscodeError) -> Value
    ) async throws(TranscodeError) -> Value {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome<Value>, Never>) in
            let thread = Thread {
                do throws(TranscodeError) {
                    continuation.resume(returning: Outcome(result: .success(try body())))
                } catch {
                    continuation.resume(returning: Outcome(result: .failure(error)))
                }
            }
            thread.name = "lectern.\(name)"
            thread.stackSize = 8 << 20
            thread.start()
        }
        return try outcome.result.get()
    }

    /// Hands the opened value from the opening thread to the caller, which is its only user from then on (the
    /// opening thread has ended by the time the caller resumes).
    private final class Outcome<Value>: @unchecked Sendable {
        let result: Result<Value, TranscodeError>
        init(result: Result<Value, TranscodeError>) { self.result = result }
    }
}
