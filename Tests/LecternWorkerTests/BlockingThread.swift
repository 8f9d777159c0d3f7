import Foundation

/// Runs blocking work (reads of an `S3RangedSource`, libavformat) on a thread of its own, as the transcoder's
/// stages do, so the test never blocks a cooperative thread while the source's Tasks need one.
enum BlockingThread {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            thread.start()
        }
    }
}
