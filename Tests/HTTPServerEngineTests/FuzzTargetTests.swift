import Foundation
import LecternTestSupport
import Testing

/// The libFuzzer targets of the engine's parsers (`Fuzz/run`), for a short fixed budget: a fixed seed and number of
/// runs, from the committed seed corpus only, so every run explores the same inputs. Each run also checks the
/// parser against RFC9112Reference, so a disagreement fails here as a crash would. `make fuzz` runs them longer.
@Suite("Fuzz targets of the HTTP/1.1 parsers") struct FuzzTargetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs `Fuzz/run` with `arguments` (awaited through `ChildProcess`, which holds no thread of the cooperative
    /// pool while it waits); its exit status and the end of its output.
    static func fuzz(_ arguments: [String]) async throws -> (Int32, String) {
        let result = try await ChildProcess.run(
            root.appendingPathComponent("Fuzz/run").path,
            arguments,
            currentDirectory: root
        )
        return (result.status, String(result.output.suffix(3_000)))
    }

    @Test(arguments: [("head", 15_000), ("chunked", 30_000)])
    func aShortFuzzRunFindsNothing(target: String, runs: Int) async throws {
        let (status, output) = try await Self.fuzz([target, "--fresh", "-runs=\(runs)", "-seed=1"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("stat::number_of_executed_units: \(runs)"), "\(output)")
    }
}
