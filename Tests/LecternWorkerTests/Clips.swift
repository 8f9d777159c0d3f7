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

    /// Two text slides, 12 s each (a lecture's default minimum chapter is 10 s), 640x360 with a tone.
    static func deck() async throws -> String {
        let path = directory + "/deck.mp4"
        if FileManager.default.fileExists(atPath: path) { return path }
        let temporary = path + ".\(UUID().uuidString).mp4"
        let font = "fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
        let slides = [
            "drawtext=\(font):text='Mean value theorem':fontsize=40:x=40:y=40:enable='lt(t,12)'",
            "drawtext=\(font):text='Some derivative vanishes':fontsize=28:x=50:y=140:enable='lt(t,12)'",
            "drawtext=\(font):text='Taylor polynomials':fontsize=40:x=40:y=40:enable='gte(t,12)'",
            "drawtext=\(font):text='Approximate smooth functions':fontsize=28:x=50:y=140:enable='gte(t,12)'",
        ]
        try await ffmpeg([
            "-f", "lavfi", "-i", "color=c=white:s=640x360:r=30:d=24",
            "-f", "lavfi", "-i", "sine=f=440:d=24:sample_rate=48000",
            "-vf", slides.joined(separator: ","),
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", temporary,
        ])
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
