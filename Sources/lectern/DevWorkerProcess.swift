import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One `lectern-worker` child of `lectern dev workers`: its own metrics port, scratch folder and (optionally) log.
final class DevWorkerProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched from the pool actor after `run()`; Process itself is thread-safe for
    // isRunning/terminationStatus/processIdentifier.
    let id: Int
    let metricsPort: Int
    let scratchDirectory: String
    private let process = Process()

    init(id: Int, executable: String, environment: [String: String], scratchRoot: String, logDirectory: String?) throws {
        self.id = id
        self.metricsPort = try FreePort.pick()
        scratchDirectory = scratchRoot + "/worker-\(id)"
        try FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: executable)
        var environment = environment
        environment["METRICS_PORT"] = String(metricsPort)
        environment["LECTERN_SCRATCH_DIR"] = scratchDirectory
        environment["LECTERN_WORKER_ID"] = "local-\(id)-\(UUID().uuidString.prefix(6).lowercased())"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        if let logDirectory {
            let path = logDirectory + "/worker-\(id).log"
            if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            log.seekToEndOfFile()
            process.standardOutput = log
            process.standardError = log
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    func send(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }
}

/// A free loopback TCP port, found by binding port 0 (the worker binds it a moment later; a collision in between is
/// possible but the worker then logs that its metrics server stopped, and the pool reads its load as unknown).
enum FreePort {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func pick() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress -> Bool in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "could not bind a loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
