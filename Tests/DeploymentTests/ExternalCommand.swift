import Foundation
import LecternTestSupport

/// Runs a program found on PATH (cfn-lint, bash) to completion through `ChildProcess.run` (output through
/// temporary files, the exit awaited without holding a pool thread).
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

    static func locate(_ name: String) -> String? { try? ChildProcess.locate(name) }

    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        guard let executable = locate(name) else {
            throw NotFound(description: "\(name) is not on PATH (scripts/install-deps.sh installs it)")
        }
        let result: ChildProcess.Result
        do {
            result = try await ChildProcess.run(executable, arguments, environment: environment)
        } catch let error as ChildProcess.CouldNotStart {
            throw NotFound(description: "\(name) could not be started: \(error)")
        }
        return Result(status: result.status, stdout: result.text, stderr: result.stderr)
    }
}
