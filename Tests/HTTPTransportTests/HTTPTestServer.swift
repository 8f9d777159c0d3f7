import Foundation

/// Runs `http_test_server.py` on a free loopback port for one test. The process is killed in `deinit`
/// and also exits by itself when its stdin pipe closes, so it never outlives the test process.
final class HTTPTestServer: @unchecked Sendable {  // immutable after init
    let port: Int
    private let process: Process
    private let stdinPipe: Pipe

    private let scheme: String

    func url(_ path: String) -> URL { URL(string: "\(scheme)://127.0.0.1:\(port)\(path)")! }

    /// Starts a server; `tls` serves HTTPS with a self-signed certificate. Waiting for the script to
    /// report its port blocks, so it happens on a dispatch thread rather than the test's task.
    static func start(tls: Bool = false) async throws -> HTTPTestServer {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try HTTPTestServer(tls: tls) })
            }
        }
    }

    private init(tls: Bool) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("http_test_server.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", script] + (tls ? ["--tls"] : [])
        let stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        try process.run()

        // Readiness: the script prints "PORT <n>" once it listens. Should it never do so, the watchdog
        // kills it, which ends the read below with EOF instead of hanging the test.
        let watchdog = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: watchdog)
        defer { watchdog.cancel() }
        var output = Data()
        while !output.contains(UInt8(ascii: "\n")) {
            let chunk = stdoutPipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output.append(chunk)
        }
        let line = String(decoding: output, as: UTF8.self)
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5).prefix { $0.isNumber }) else {
            process.terminate()
            process.waitUntilExit()
            throw TestServerError(message: "test server did not start; it printed \(line.debugDescription)")
        }
        self.port = port
        self.scheme = tls ? "https" : "http"
        self.process = process
        self.stdinPipe = stdinPipe
    }

    deinit {
        process.terminate()
        try? stdinPipe.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

struct TestServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
