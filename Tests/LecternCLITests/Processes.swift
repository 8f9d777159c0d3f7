import Foundation
import LecternTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Looks at processes the CLI tests did not start themselves (a pool's workers, the script's children); the ones a
/// test starts are `ChildProcess`es (LecternTestSupport).
enum Processes {
    /// Whether `pid` names a live process (a zombie counts as gone: it has exited and only awaits its parent's wait).
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return errno != ESRCH }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z"
    }

    /// Waits up to `seconds` for every pid to be gone; answers those still alive.
    static func survivors(_ pids: [Int32], seconds: Double) async throws -> [Int32] {
        let deadline = Date().addingTimeInterval(seconds)
        var alive = pids.filter(isAlive)
        while !alive.isEmpty, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            alive = alive.filter(isAlive)
        }
        return alive
    }

    /// Numbers following `marker` in `text` (e.g. every "pid 123").
    static func numbers(after marker: String, in text: String) -> [Int32] {
        text.components(separatedBy: marker).dropFirst().compactMap { piece in
            Int32(piece.prefix { $0.isNumber })
        }
    }

    /// A loopback port nothing listens on right now.
    static func freePort() throws -> Int { Int(try LoopbackPort.free()) }
}
