import Foundation
import LecternTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A long-running child (a built binary or a script) with its output in a file the test can read while it runs.
/// Waits are async polls, so a test waiting on it never holds a cooperative thread.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: Process is used only through its thread-safe accessors after run().
    struct Timeout: Error, CustomStringConvertible { let description: String }

    let process = Process()
    let logPath: String

    init(executable: String, arguments: [String], environment: [String: String]) throws {
        logPath = NSTemporaryDirectory() + "lectern-cli-child-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: logPath)
    }

    var pid: Int32 { process.processIdentifier }
    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Polls until `condition` holds on the output; throws with the output if `seconds` pass first.
    @discardableResult
    func waitForOutput(_ what: String, seconds: Double, _ condition: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let text = output
            if condition(text) { return text }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let text = output
        if condition(text) { return text }
        throw Timeout(description: "waited \(seconds)s for \(what)\(process.isRunning ? "" : " (the process exited)"); output:\n\(text.suffix(4_000))")
    }

    /// The exit status once the process ends within `seconds`.
    func waitForExit(seconds: Double) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            guard Date() < deadline else { throw Timeout(description: "still running after \(seconds)s; output:\n\(output.suffix(4_000))") }
            try await Task.sleep(for: .milliseconds(100))
        }
        return process.terminationStatus
    }
}

enum Processes {
    /// Whether `pid` names a live process (a zombie counts as gone: it has exited and only awaits its parent's wait).
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return errno != ESRCH }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z"
    }

    /// Waits up to `seconds` for every pid to be gone; answers those still alive.
    static func survivors(_ pids: [Int32], seconds: Double) async throws -> [Int32] {
        let deadline = Date().addingTimeInterval(seconds)
        var alive = pids.filter(isAlive)
        while !alive.isEmpty, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            alive = alive.filter(isAlive)
        }
        return alive
    }

    /// Numbers following `marker` in `text` (e.g. every "pid 123").
    static func numbers(after marker: String, in text: String) -> [Int32] {
        text.components(separatedBy: marker).dropFirst().compactMap { piece in
            Int32(piece.prefix { $0.isNumber })
        }
    }

    /// A loopback port nothing listens on right now.
    static func freePort() throws -> Int { Int(try LoopbackPort.free()) }
}
