import Foundation

/// Runs a program found on PATH (cfn-lint, bash) to completion; output goes through temporary files so a chatty
/// child never blocks on a full pipe.
enum ExternalCommand {
    struct Result: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String
        var output: String { stdout + stderr }
    }

    struct NotFound: Error, CustomStringConvertible {
        let description: String
    }

    static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        guard let executable = locate(name) else {
            throw NotFound(description: "\(name) is not on PATH (scripts/install-deps.sh installs it)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("deployment-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outPath = folder.appendingPathComponent("stdout"), errPath = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outPath.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outPath)
        process.standardError = try FileHandle(forWritingTo: errPath)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            process.terminationHandler = { _ in done.resume() }
            do { try process.run() } catch { process.terminationHandler = nil; done.resume() }
        }
        guard process.processIdentifier != 0 else { throw NotFound(description: "\(name) could not be started") }
        return Result(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errPath, encoding: .utf8)) ?? "")
    }
}
