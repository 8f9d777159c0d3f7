import Foundation

/// A child process whose output goes to log files (kept as test artifacts) and whose exit is awaited without
/// blocking a cooperative thread.
final class ChildProcess: Sendable {
    let name: String
    let logPath: String
    private let process: Process
    private let exited: Task<Int32, Never>

    /// Starts `executable` with `environment` added to this process's own; stdout and stderr go to `logPath`.
    init(_ name: String, executable: String, arguments: [String], environment: [String: String] = [:], logPath: String) throws {
        self.name = name
        self.logPath = logPath
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { finished in
            continuation.yield(finished.terminationStatus)
            continuation.finish()
        }
        try process.run()
        self.process = process
        exited = Task { await stream.first { _ in true } ?? -1 }
    }

    var isRunning: Bool { process.isRunning }

    /// The exit status, or nil if `timeout` passes first (the process is then killed).
    func wait(timeout: Duration) async -> Int32? {
        let exited = self.exited
        return await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await exited.value }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if first == nil { kill(process.processIdentifier, SIGKILL) }
            return first
        }
    }

    /// SIGTERM, then SIGKILL if it has not gone within `grace`.
    func stop(grace: Duration = .seconds(10)) async {
        guard process.isRunning else { return }
        process.terminate()
        _ = await wait(timeout: grace)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
