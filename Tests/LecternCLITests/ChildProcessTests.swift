import Foundation
import LecternTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The one helper every test uses to start a child: statuses, output, and the limit that kills a hung child. The
/// time limit is a hang detector: the children sleep 600 s and must be killed after 0.3 s.
@Suite(.timeLimit(.minutes(1))) struct ChildProcessTests {
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
