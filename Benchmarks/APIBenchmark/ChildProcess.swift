import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Child processes for the benchmark: servers that run until stopped, and tools whose output we read.
final class ChildProcess {
    let name: String
    let process = Process()
    let log: URL

    /// Starts `executable` with `arguments` and `environment` added to ours; output goes to a log file.
    init(
        name: String,
        executable: String,
        arguments: [String],
        environment: [String: String],
        directory: URL? = nil
    ) throws {
        self.name = name
        log = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lectern-bench-\(name)-\(UUID().uuidString.prefix(8)).log"
        )
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`.
    func stop(grace: Duration = .seconds(10)) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Runs a tool to completion and answers its standard output (waiting asynchronously).
    static func output(_ executable: String, _ arguments: [String]) async throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lectern-bench-out-\(UUID().uuidString)"
        )
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in done.resume() }
            do { try process.run() } catch {
                process.terminationHandler = nil
                done.resume(throwing: error)
            }
        }
        try handle.close()
        return (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }
}

/// The 1-, 5- and 15-minute load averages, as /proc/loadavg has them.
func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "? ? ?"
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}
