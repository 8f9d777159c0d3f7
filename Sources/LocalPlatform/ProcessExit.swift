import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Waiting for a child process's exit without holding a thread, for the tests' `ChildProcess` and the CLI's own
/// children (`lectern demo`'s ffmpeg): its exit arrives through `terminationHandler`, and a child whose exit
/// Foundation missed is reaped here.
public enum ProcessExit {
    /// Starts `process`; the task ends with its exit status (the handler is set first, so an exit that comes before
    /// anyone awaits is kept by the stream). Throws what `Process.run` throws.
    public static func start(_ process: Process) throws -> Task<Int32, Never> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingNewest(1))
        process.terminationHandler = { finished in
            continuation.yield(finished.terminationStatus)
            continuation.finish()
        }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            throw error
        }
        let reaper = Task { await reapIfMissed(process.processIdentifier, continuation) }
        return Task {
            let status = await stream.first { _ in true } ?? -1
            reaper.cancel()
            return status
        }
    }

    /// Foundation's `Process` on Linux now and then misses a short-lived child's exit: a fresh-clone `make test`
    /// hung for good on a `bash` child left a zombie whose `terminationHandler` never ran (and a kill at the
    /// time limit cannot end a process that has already ended). So a child that has been a zombie for 3 s is reaped
    /// here and its status delivered; Foundation's handler, had it been only late, finds the stream finished.
    public static func reapIfMissed(_ pid: Int32, _ continuation: AsyncStream<Int32>.Continuation) async {
        var zombieChecks = 0
        while !Task.isCancelled {
            do { try await Task.sleep(for: .milliseconds(500)) } catch { return }
            // /proc/PID/stat: "PID (comm) S …"; the state follows the last ')'.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return }  // gone: reaped by Foundation
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
            zombieChecks = state == "Z" ? zombieChecks + 1 : 0
            guard zombieChecks >= 6, !Task.isCancelled else { continue }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return }
            // As `Process.terminationStatus` reports it: the exit code, or the signal that ended it.
            continuation.yield(status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f)
            continuation.finish()
            return
        }
    }
}
