import Foundation
import LecternCore
import LocalPlatform
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One `lectern-worker` child of `lectern dev workers`: its own metrics port, scratch folder and (optionally) log.
final class DevWorkerProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched from the pool actor after it started; its exit status is `status`'s.
    let id: Int
    let metricsPort: Int
    let scratchDirectory: String
    private let process = Process()
    /// Nil while it runs: set from `ProcessExit`, not `Process.isRunning`, which stays true for good for a child
    /// whose exit Foundation missed (and the pool's stop waits for `isRunning` to turn false).
    private let status = Mutex<Int32?>(nil)

    init(id: Int, executable: String, environment: [String: String], scratchRoot: String, logDirectory: String?) throws
    {
        self.id = id
        self.metricsPort = Int(try LoopbackPort.free())
        scratchDirectory = scratchRoot + "/worker-\(id)"
        try FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: executable)
        var environment = environment
        environment["METRICS_PORT"] = String(metricsPort)
        // The worker shuts itself down when this process dies, even by SIGKILL (see SupervisorWatch).
        environment["LECTERN_SUPERVISOR_PID"] = String(getpid())
        environment["LECTERN_SCRATCH_DIR"] = scratchDirectory
        environment["LECTERN_WORKER_ID"] = "local-\(id)-\(UUID().uuidString.prefix(6).lowercased())"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        if let logDirectory {
            let path = logDirectory + "/worker-\(id).log"
            if !FileManager.default.fileExists(atPath: path) {
                FileManager.default.createFile(atPath: path, contents: nil)
            }
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            log.seekToEndOfFile()
            process.standardOutput = log
            process.standardError = log
        }
        let exited = try ProcessExit.start(process)
        Task { [weak self] in
            let code = await exited.value
            self?.status.withLock { $0 = code }
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { status.withLock { $0 == nil } }
    var exitStatus: Int32? { status.withLock { $0 } }

    func send(_ signal: Int32) {
        if isRunning { kill(process.processIdentifier, signal) }
    }
}
