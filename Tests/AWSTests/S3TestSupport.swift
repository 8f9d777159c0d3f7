import Foundation
import LecternTestSupport

@testable import AWS

/// Which moto a test talks to.
///
/// See `MotoServer.sharedWithoutSignatureChecks()` for what moto 5.2's signature check gets wrong; those tests
/// run against a second moto without the check, everything else with it.
enum MotoFlavor: Sendable, CaseIterable, CustomStringConvertible {
    case checkingSignatures, notCheckingSignatures
    var description: String {
        self == .checkingSignatures ? "signature-checking moto" : "moto without signature checks"
    }
}

/// What the S3 integration tests share: one libcurl transport and helpers for fixtures they generate themselves.
enum S3Fixtures {
    static let transport = CurlTransport()

    static func client(
        credentials: AWSCredentials? = nil,
        retry: RetryPolicy = .default
    ) async throws -> (S3Client, MotoServer) {
        let moto = try await MotoServer.shared()
        return (S3Client(context: moto.context(transport: transport, credentials: credentials, retry: retry)), moto)
    }

    static func client(_ flavor: MotoFlavor) async throws -> S3Client {
        switch flavor {
        case .checkingSignatures: return try await client().0
        case .notCheckingSignatures:
            return try await MotoServer.sharedWithoutSignatureChecks().context(transport: transport).s3
        }
    }

    /// A fresh bucket of its own for one test.
    static func bucket(
        _ prefix: String = "s3test",
        on flavor: MotoFlavor = .checkingSignatures
    ) async throws -> (S3Client, String) {
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
                state ^= state >> 12
                state ^= state << 25
                state ^= state >> 27
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
