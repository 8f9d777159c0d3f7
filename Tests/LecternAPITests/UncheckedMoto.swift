import Foundation

/// A moto server without signature checking, for S3. moto 5.2's signature check answers 500 to every presigned URL
/// (it looks for an Authorization header), and presigned URLs are what this API hands out; DynamoDB and SQS stay
/// on the signature-checking `MotoServer.shared()`. One per test process, alive until the process exits.
final class UncheckedMoto: Sendable {
    let endpoint: URL
    private let process: Process
    private let stdin: Pipe

    static func shared() async throws -> UncheckedMoto { try await Starter.instance.get() }

    struct StartError: Error, CustomStringConvertible { let description: String }

    private init(endpoint: URL, process: Process, stdin: Pipe) {
        self.endpoint = endpoint
        self.process = process
        self.stdin = stdin
    }

    private actor Starter {
        static let instance = Starter()
        private var starting: Task<UncheckedMoto, any Error>?
        func get() async throws -> UncheckedMoto {
            if let starting { return try await starting.value }
            let task = Task.detached { try UncheckedMoto.start() }
            starting = task
            return try await task.value
        }
    }

    private static func start() throws -> UncheckedMoto {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-c", """
            import os, sys
            from moto.server import ThreadedMotoServer
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            print(server.get_host_and_port()[1], flush=True)
            sys.stdin.read()
            os._exit(0)
            """]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "INITIAL_NO_AUTH_ACTION_COUNT")
        process.environment = environment
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw StartError(description: "moto (unchecked) did not start: \(String(decoding: line, as: UTF8.self))")
        }
        return UncheckedMoto(endpoint: URL(string: "http://127.0.0.1:\(port)")!, process: process, stdin: stdin)
    }
}
