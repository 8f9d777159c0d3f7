import Foundation

/// The package's executables as built by `swift build` (which `make test` runs before the tests), for tests that
/// drive them as a user would.
public enum BuiltProducts {
    /// The repository root, found from this file's place in it.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// The path of executable `name` in the debug build folder; throws with advice when it has not been built.
    public static func executable(_ name: String) throws -> String {
        let candidates = [
            ".build/debug", ".build/x86_64-unknown-linux-gnu/debug", ".build/aarch64-unknown-linux-gnu/debug",
        ]
        for folder in candidates {
            let path = repositoryRoot.appendingPathComponent(folder).appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw Missing(description: "\(name) is not built: run `swift build` (make test does) before the tests")
    }

    public struct Run: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs a built executable to completion with `environment` added to (and overriding) this process's own.
    /// Output goes through temporary files, so a chatty child never blocks on a full pipe (`ChildProcess.run`).
    public static func run(
        _ name: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        removing removed: [String] = []
    ) async throws -> Run {
        let result = try await ChildProcess.run(
            try executable(name),
            arguments,
            environment: environment,
            removing: removed
        )
        return Run(status: result.status, stdout: result.text, stderr: result.stderr)
    }
}
