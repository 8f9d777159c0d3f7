import Foundation
import LocalPlatform

#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests (a built binary, ffmpeg, python3, a script), awaited without holding a thread of the
/// cooperative pool: its exit arrives through `terminationHandler`, its output goes to files rather than pipes (a
/// chatty child never blocks on a full pipe and nobody has to drain one), and every wait has a limit after which the
/// child is killed. The pool has one thread per core (two here); a test that blocks one in `waitUntilExit()` stalls
/// unrelated tests, which is why `make test` ran `--no-parallel` before there was one helper for this.
public final class ChildProcess: Sendable {
    public struct Timeout: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public struct CouldNotStart: Error, CustomStringConvertible {
        public let description: String
    }

    /// What a program run to completion (`run`) left behind.
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: Data
        public let stderr: String
        public var text: String { String(decoding: stdout, as: UTF8.self) }
        /// Both streams, stdout first (for failure messages).
        public var output: String { text + stderr }
    }

    public let name: String
    /// Where stdout and stderr go, together; readable while the child runs.
    public let logPath: String
    private let process: Process
    private let exited: Task<Int32, Never>
    private let removesLog: Bool

    /// Starts `executable` (a path, or a name looked up on PATH) with `environment` added to this process's own
    /// (`inheritEnvironment: false` gives the child only `environment`) minus `removing`. Without `logPath` the
    /// output goes to a temporary file removed when this object goes; with one, the file is kept (an artifact).
    public init(
        _ name: String? = nil,
        executable: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        inheritEnvironment: Bool = true,
        removing removed: [String] = [],
        currentDirectory: URL? = nil,
        logPath: String? = nil
    ) throws {
        let path = try Self.locate(executable)
        self.name = name ?? URL(fileURLWithPath: path).lastPathComponent
        self.removesLog = logPath == nil
        self.logPath = logPath ?? NSTemporaryDirectory() + "lectern-child-\(UUID().uuidString).log"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var merged =
            inheritEnvironment
            ? ProcessInfo.processInfo.environment.merging(environment) { _, new in new } : environment
        for variable in removed { merged.removeValue(forKey: variable) }
        process.environment = merged
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        _ = FileManager.default.createFile(atPath: self.logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: self.logPath))
        defer { try? log.close() }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        exited = try Self.launch(process, name: self.name)
        self.process = process
    }

    deinit {
        if process.isRunning { Self.kill(process) }
        if removesLog { try? FileManager.default.removeItem(atPath: logPath) }
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    /// Everything the child has written so far.
    public var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func signal(_ number: Int32) { Glibc.kill(process.processIdentifier, number) }

    /// The exit status, or nil if `timeout` passes first (the child is then killed).
    public func wait(timeout: Duration) async -> Int32? {
        let process = self.process
        return await Self.status(of: exited, within: timeout) { Self.kill(process) }
    }

    /// The exit status once the child ends within `seconds`; throws with its output otherwise (and kills it).
    public func waitForExit(seconds: Double) async throws -> Int32 {
        guard let status = await wait(timeout: .milliseconds(Int(seconds * 1000))) else {
            throw Timeout(description: "\(name) still running after \(seconds)s; output:\n\(output.suffix(4_000))")
        }
        return status
    }

    /// Polls until `condition` holds on the output; throws with the output if `seconds` pass first.
    @discardableResult
    public func waitForOutput(_ what: String, seconds: Double, _ condition: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            let text = output
            if condition(text) { return text }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let text = output
        if condition(text) { return text }
        let ended = process.isRunning ? "" : " (the process exited)"
        throw Timeout(description: "waited \(seconds)s for \(what)\(ended); output:\n\(text.suffix(4_000))")
    }

    /// SIGTERM, then SIGKILL if it has not gone within `grace`.
    public func stop(grace: Duration = .seconds(10)) async {
        guard process.isRunning else { return }
        process.terminate()
        _ = await wait(timeout: grace)
    }

    /// Runs a program to completion: stdout and stderr through temporary files, `input` (if any) as its stdin.
    /// Throws `Timeout` (having killed it) if it runs longer than `timeout`; a non-zero exit is a `Result`, not an
    /// error. The default limit is far above anything a test runs, so only a hung child reaches it.
    public static func run(
        _ executable: String,
        _ arguments: [String] = [],
        environment: [String: String] = [:],
        removing removed: [String] = [],
        currentDirectory: URL? = nil,
        input: Data? = nil,
        timeout: Duration = .seconds(900)
    ) async throws -> Result {
        let path = try locate(executable)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        for variable in removed { merged.removeValue(forKey: variable) }
        process.environment = merged
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lectern-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outPath = folder.appendingPathComponent("stdout"), errPath = folder.appendingPathComponent("stderr")
        let inPath = folder.appendingPathComponent("stdin")
        _ = FileManager.default.createFile(atPath: outPath.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath.path, contents: nil)
        _ = FileManager.default.createFile(atPath: inPath.path, contents: input ?? Data())
        let out = try FileHandle(forWritingTo: outPath), err = try FileHandle(forWritingTo: errPath)
        let stdin = try FileHandle(forReadingFrom: inPath)
        defer {
            try? out.close()
            try? err.close()
            try? stdin.close()
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        let name = URL(fileURLWithPath: path).lastPathComponent
        let exited = try launch(process, name: name)
        guard let status = await status(of: exited, within: timeout, onTimeout: { kill(process) }) else {
            let stderr = (try? String(contentsOf: errPath, encoding: .utf8)) ?? ""
            throw Timeout(
                description: "\(name) \(arguments.prefix(6).joined(separator: " ")) ran longer than "
                    + "\(timeout) and was killed; stderr:\n\(stderr.suffix(4_000))"
            )
        }
        return Result(
            status: status,
            stdout: (try? Data(contentsOf: outPath)) ?? Data(),
            stderr: (try? String(contentsOf: errPath, encoding: .utf8)) ?? ""
        )
    }

    /// A path as given, or the first executable of that name on PATH.
    public static func locate(_ executable: String) throws -> String {
        if executable.contains("/") { return executable }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let found = path.split(separator: ":").map { "\($0)/\(executable)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let found else {
            throw CouldNotStart(description: "\(executable) is not on PATH (scripts/install-deps.sh installs it)")
        }
        return found
    }

    /// Starts `process` (`ProcessExit.start`: a missed exit is reaped); the task ends with its exit status.
    private static func launch(_ process: Process, name: String) throws -> Task<Int32, Never> {
        do {
            return try ProcessExit.start(process)
        } catch {
            throw CouldNotStart(description: "\(name) could not be started: \(error)")
        }
    }

    /// The exit status, or nil once `timeout` passes; `onTimeout` (the kill) runs inside the group, because the group
    /// cannot return before its tasks end and `exited.value` ignores cancellation: killing after it would wait for
    /// the child to end by itself (ChildProcessTests.aRunPastItsLimitIsKilledAndNamed took the child's whole 60 s).
    private static func status(
        of exited: Task<Int32, Never>,
        within timeout: Duration,
        onTimeout: @escaping @Sendable () -> Void
    ) async -> Int32? {
        await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await exited.value }
            group.addTask {
                do { try await Task.sleep(for: timeout) } catch { return nil }  // cancelled: the child ended first
                onTimeout()
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// SIGKILL to the child and to a process group it may lead (a script's own children, where it made a group).
    private static func kill(_ process: Process) {
        let pid = process.processIdentifier
        guard pid > 0 else { return }
        Glibc.kill(getpgid(pid) == pid ? -pid : pid, SIGKILL)
    }
}
