import Foundation

/// Runs a test directory's Python script with a JSON file argument and returns its stdout (the botocore
/// cross-checks of SigV4 and the Transcribe contract tests). A missing python3 or botocore is an error, so the tests
/// that need them fail instead of skipping.
public enum PythonRunner {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// `script` is a file name in `directory` (a test passes its own: `URL(fileURLWithPath:
    /// #filePath).deletingLastPathComponent()`).
    /// Awaited through `ChildProcess`, so the botocore run does not hold a thread of the cooperative pool.
    public static func run(script: String, in testDirectory: URL, input: Data) async throws -> Data {
        let inputFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("python-input-\(UUID().uuidString).json")
        try input.write(to: inputFile)
        defer { try? FileManager.default.removeItem(at: inputFile) }
        let result: ChildProcess.Result
        do {
            result = try await ChildProcess.run(
                "python3",
                [testDirectory.appendingPathComponent(script).path, inputFile.path]
            )
        } catch let error as ChildProcess.CouldNotStart {
            throw Failure(description: "cannot start python3 (\(error)); botocore checks need python3 with botocore")
        }
        guard result.status == 0 else {
            throw Failure(description: "python3 \(script) exited with \(result.status): \(result.stderr)")
        }
        return result.stdout
    }
}
