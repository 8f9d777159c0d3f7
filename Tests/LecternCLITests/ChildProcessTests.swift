import Foundation
import LocalPlatform
import Testing

@testable import LecternTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The one helper every test uses to start a child: statuses, output, and the limit that kills a hung child. The
/// time limit is a hang detector: the children sleep 600 s and must be killed after 0.3 s.
@Suite(.timeLimit(.minutes(3))) struct ChildProcessTests {
    /// A child whose exit Foundation never reports (here: started without Foundation, so nothing else waits for it)
    /// is reaped once it has been a zombie for a while, with its exit status, so a wait on it cannot hang for good.
    @Test func aChildWhoseExitWasMissedIsReapedWithItsStatus() async throws {
        var pid: pid_t = 0
        let arguments = ["/bin/sh", "-c", "exit 7"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0)
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let child = pid
        let reaper = Task { await ProcessExit.reapIfMissed(child, continuation) }
        let status = await stream.first { _ in true }
        await reaper.value
        #expect(status == 7)
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(child)"))
    }

    @Test func aRunReportsItsStatusAndBothStreams() async throws {
        let result = try await ChildProcess.run("sh", ["-c", "printf out; printf err >&2; exit 3"])
        #expect(result.status == 3)
        #expect(result.text == "out" && result.stderr == "err")
    }

    @Test func inputReachesTheChildsStdin() async throws {
        let result = try await ChildProcess.run("cat", [], input: Data("lecture".utf8))
        #expect(result.text == "lecture")
    }

    @Test func aRunPastItsLimitIsKilledAndNamed() async throws {
        let error = await #expect(throws: ChildProcess.Timeout.self) {
            try await ChildProcess.run("sleep", ["600"], timeout: .milliseconds(300))
        }
        #expect(error?.description.contains("sleep") == true)
    }

    @Test func aLongRunningChildIsKilledWhenItsWaitRunsOut() async throws {
        let child = try ChildProcess(executable: "sleep", arguments: ["600"])
        #expect(await child.wait(timeout: .milliseconds(300)) == nil)
        // Gone (or a zombie about to be reaped), not still sleeping.
        #expect(try await Processes.survivors([child.pid], seconds: 5).isEmpty)
    }

    @Test func aMissingProgramIsACouldNotStart() async {
        await #expect(throws: ChildProcess.CouldNotStart.self) { try await ChildProcess.run("no-such-program-lectern") }
    }
}
