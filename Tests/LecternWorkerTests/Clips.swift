import Foundation
import LecternTestSupport

/// Small test inputs made with the ffmpeg CLI, once per test process.
enum Clips {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private static let directory: String = {
        let path = NSTemporaryDirectory() + "lectern-worker-clips-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// 320x240, 30 fps, with a tone; `seconds` long.
    static func lecture(seconds: Int = 3) async throws -> String {
        let path = directory + "/lecture-\(seconds)s.mp4"
        if FileManager.default.fileExists(atPath: path) { return path }
        let temporary = path + ".\(UUID().uuidString).mp4"
        try await ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=\(seconds)",
            "-f", "lavfi", "-i", "sine=f=440:d=\(seconds):sample_rate=48000",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-ac", "2", "-shortest", temporary,
        ])
        // Parallel tests may race to make the same clip: the rename makes whichever finishes last win whole.
        _ = rename(temporary, path)
        return path
    }

    /// Not media at all.
    static func textFile() throws -> String {
        let path = directory + "/not-a-video-\(UUID().uuidString).mp4"
        try Data(String(repeating: "These are my lecture notes, not a video.\n", count: 100).utf8).write(
            to: URL(fileURLWithPath: path)
        )
        return path
    }

    /// Runs ffmpeg without holding a cooperative thread while it works (output goes to a file, not a pipe).
    static func ffmpeg(_ arguments: [String]) async throws {
        let result = try await ChildProcess.run("ffmpeg", ["-y", "-v", "error", "-nostdin"] + arguments)
        guard result.status == 0 else { throw Failure(description: "ffmpeg failed: \(result.stderr)") }
    }
}
