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
        let candidates = [".build/debug", ".build/x86_64-unknown-linux-gnu/debug", ".build/aarch64-unknown-linux-gnu/debug"]
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
    /// Output goes through temporary files, so a chatty child never blocks on a full pipe.
    public static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:],
                           removing removed: [String] = []) async throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable(name))
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        for name in removed { merged.removeValue(forKey: name) }
        process.environment = merged
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lectern-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outPath = folder.appendingPathComponent("stdout"), errPath = folder.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outPath.path, contents: nil)
        FileManager.default.createFile(atPath: errPath.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outPath)
        process.standardError = try FileHandle(forWritingTo: errPath)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            process.terminationHandler = { _ in done.resume() }
            do { try process.run() } catch { process.terminationHandler = nil; done.resume() }
        }
        guard process.processIdentifier != 0 else { throw Missing(description: "\(name) could not be started") }
        return Run(status: process.terminationStatus,
                   stdout: (try? String(contentsOf: outPath, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOf: errPath, encoding: .utf8)) ?? "")
    }
}
