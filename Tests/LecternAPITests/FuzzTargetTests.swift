import Foundation
import Testing

/// The libFuzzer targets of the engine's parsers (`Fuzz/run`), for a short fixed budget: a fixed seed and number of
/// runs, from the committed seed corpus only, so every run explores the same inputs. Each run also checks the
/// parser against RFC9112Reference, so a disagreement fails here as a crash would. `make fuzz` runs them longer.
@Suite("Fuzz targets of the HTTP/1.1 parsers") struct FuzzTargetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `Fuzz/run` with `arguments` on a thread of its own (waiting for a child process must not hold a thread
    /// of the cooperative pool); its exit status and the end of its output.
    static func fuzz(_ arguments: [String]) async throws -> (Int32, String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    let process = Process()
                    process.executableURL = root.appendingPathComponent("Fuzz/run")
                    process.arguments = arguments
                    process.currentDirectoryURL = root
                    let output = Pipe()
                    process.standardOutput = output
                    process.standardError = output
                    try process.run()
                    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    process.waitUntilExit()
                    continuation.resume(returning: (process.terminationStatus, String(text.suffix(3_000))))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    @Test(arguments: [("head", 15_000), ("chunked", 30_000)])
    func aShortFuzzRunFindsNothing(target: String, runs: Int) async throws {
        let (status, output) = try await Self.fuzz([target, "--fresh", "-runs=\(runs)", "-seed=1"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("stat::number_of_executed_units: \(runs)"), "\(output)")
    }
}
