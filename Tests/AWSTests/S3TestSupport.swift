import Foundation
import LecternTestSupport
@testable import AWS

/// Which moto a test talks to.
///
/// moto 5.2's signature check (on in `MotoServer`) rebuilds the request from its already-decoded URL, so it
/// rejects correctly signed requests whose path or query holds percent-encoded bytes other than spaces
/// (keys with `+`, `=`, `%`, non-ASCII…; `prefix=a%2F`, `delimiter=%2F`) — boto3's own requests fail the
/// same way — and it answers 500 to every presigned URL (it looks for an Authorization header).
/// Those tests run against a second moto without the check; everything else runs with it.
enum MotoFlavor: Sendable, CaseIterable, CustomStringConvertible {
    case checkingSignatures, notCheckingSignatures
    var description: String { self == .checkingSignatures ? "signature-checking moto" : "moto without signature checks" }
}

/// What the S3 integration tests share: one libcurl transport and helpers for fixtures they generate themselves.
enum S3Fixtures {
    static let transport = CurlTransport()

    static func client(credentials: AWSCredentials? = nil, retry: RetryPolicy = .default) async throws -> (S3Client, MotoServer) {
        let moto = try await MotoServer.shared()
        return (S3Client(context: moto.context(transport: transport, credentials: credentials, retry: retry)), moto)
    }

    static func client(_ flavor: MotoFlavor) async throws -> S3Client {
        switch flavor {
        case .checkingSignatures: return try await client().0
        case .notCheckingSignatures:
            let moto = try await UncheckedMoto.shared()
            let context = AWSContext(configuration: AWSConfiguration(region: "us-east-1", endpoint: moto.endpoint),
                                     transport: transport,
                                     credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "AKIDUNCHECKED", secretAccessKey: "unchecked")))
            return context.s3
        }
    }

    /// A fresh bucket of its own for one test.
    static func bucket(_ prefix: String = "s3test", on flavor: MotoFlavor = .checkingSignatures) async throws -> (S3Client, String) {
        let s3 = try await client(flavor)
        let bucket = MotoServer.uniqueName(prefix)
        try await s3.createBucket(bucket)
        return (s3, bucket)
    }

    static func temporaryPath(_ name: String = "blob") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("lectern-s3-\(UUID().uuidString)-\(name)").path
    }

    /// Writes `size` pseudo-random bytes (seeded, so a failure reproduces) in 1 MiB chunks: never whole in memory.
    static func makeFile(size: Int, seed: UInt64 = 0x5EED) throws -> String {
        let path = temporaryPath()
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var state = seed | 1
        var remaining = size
        while remaining > 0 {
            let count = min(remaining, 1 << 20)
            var chunk = [UInt8](repeating: 0, count: count)
            for index in 0..<count {
                // xorshift64*: fast, and every byte varies, so a misplaced part changes the digest.
                state ^= state >> 12; state ^= state << 25; state ^= state >> 27
                chunk[index] = UInt8(truncatingIfNeeded: (state &* 0x2545F4914F6CDD1D) >> 56)
            }
            try handle.write(contentsOf: chunk)
            remaining -= count
        }
        return path
    }

    static func sha256(ofFile path: String) throws -> String { try S3BodyDigest(fileAt: path).sha256Hex }
    static func sha256(_ data: Data) -> String { S3BodyDigest(data: data).sha256Hex }

    static func remove(_ paths: String...) {
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
    }
}

/// A moto server without signature checking (see `MotoFlavor`), one per test process, alive until the process
/// exits (it reads its stdin until we are gone).
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
