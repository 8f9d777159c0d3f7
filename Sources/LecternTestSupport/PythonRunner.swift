import Foundation

/// Runs a test directory's Python script with a JSON file argument and returns its stdout (the botocore
/// cross-checks of SigV4 and the Transcribe contract tests). A missing python3 or botocore is an error, so the tests
/// that need them fail instead of skipping.
public enum PythonRunner {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// `script` is a file name in `directory` (a test passes its own: `URL(fileURLWithPath: #filePath).deletingLastPathComponent()`).
    public static func run(script: String, in testDirectory: URL, input: Data) throws -> Data {
        let inputFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("python-input-\(UUID().uuidString).json")
        try input.write(to: inputFile)
        defer { try? FileManager.default.removeItem(at: inputFile) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", testDirectory.appendingPathComponent(script).path, inputFile.path]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start python3 (\(error)); botocore checks need python3 with botocore")
        }
        // Drain stderr concurrently so a chatty child cannot block on a full pipe while we read stdout.
        let errorData = LockedData()
        let errorReader = Thread { errorData.set(stderr.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData.value, as: UTF8.self)
            throw Failure(description: "python3 \(script) exited with \(process.terminationStatus): \(message)")
        }
        return output
    }
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}
