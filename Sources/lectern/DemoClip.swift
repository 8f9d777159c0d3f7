import Foundation
import LocalPlatform

/// A lecture-like clip made with the ffmpeg CLI: a slide (title bar and bullet lines), a picture-in-picture
/// "speaker" (ffmpeg's test pattern) gliding along the bottom, and a tone. H.264 + AAC in MP4.
enum DemoClip {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func make(at path: String, seconds: Int, width: Int, height: Int) async throws {
        let pipWidth = (width / 4) & ~1, pipHeight = (height / 4) & ~1
        let slide = [
            "drawbox=x=iw*0.06:y=ih*0.08:w=iw*0.88:h=ih*0.12:color=0x1f3a5f:t=fill",
            "drawbox=x=iw*0.06:y=ih*0.30:w=iw*0.55:h=ih*0.035:color=0x5a5a5a:t=fill",
            "drawbox=x=iw*0.06:y=ih*0.40:w=iw*0.46:h=ih*0.035:color=0x5a5a5a:t=fill",
            "drawbox=x=iw*0.06:y=ih*0.50:w=iw*0.62:h=ih*0.035:color=0x5a5a5a:t=fill",
        ].joined(separator: ",")
        let filter =
            "[0:v]\(slide)[slide];[slide][1:v]overlay=x='(W-w)*(0.65+0.3*sin(t*0.8))':y='H-h-H*0.06',format=yuv420p[v]"
        let arguments = [
            "-f", "lavfi", "-i", "color=c=0xf5f3ee:s=\(width)x\(height):r=30:d=\(seconds)",
            "-f", "lavfi", "-i", "testsrc2=s=\(pipWidth)x\(pipHeight):r=30:d=\(seconds)",
            "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000:d=\(seconds)",
            "-filter_complex", filter, "-map", "[v]", "-map", "2:a",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", "60",
            "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-t", "\(seconds)", "-movflags", "+faststart", path,
        ]
        try await ffmpeg(arguments, log: path + ".ffmpeg.log")
    }

    /// Runs ffmpeg, waiting without holding a thread; its messages go to `log` and into the error if it fails.
    private static func ffmpeg(_ arguments: [String], log: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-y", "-v", "error", "-nostdin"] + arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        // `ProcessExit`, not `terminationHandler` alone: Foundation on Linux now and then misses a child's exit.
        let exited: Task<Int32, Never>
        do {
            exited = try ProcessExit.start(process)
        } catch {
            throw Failure(description: "could not run ffmpeg (install it: scripts/install-deps.sh): \(error)")
        }
        let status = await exited.value
        guard status == 0 else {
            let message = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw Failure(description: "ffmpeg failed (status \(status)): \(message.suffix(2_000))")
        }
    }
}
