import AWS
import Foundation
import LecternTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// scripts/run-local.sh (what `make run` runs after building), with the debug binaries and ports of its own.
@Suite("scripts/run-local.sh") struct RunLocalTests {
    let transport = CurlTransport()

    /// Every process below `root`, from /proc.
    static func descendants(of root: Int32) -> [Int32] {
        var parents: [Int32: Int32] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { parents[pid] = parent }
        }
        var found: [Int32] = [], frontier = [root]
        while let next = frontier.popLast() {
            let children = parents.filter { $0.value == next }.map(\.key)
            found += children
            frontier += children
        }
        return found
    }

    static func environment(motoPort: Int, apiPort: Int, logs: String) throws -> [String: String] {
        let bin = URL(fileURLWithPath: try BuiltProducts.executable("lectern")).deletingLastPathComponent().path
        return ProcessInfo.processInfo.environment.merging(
            [
                "LECTERN_BIN_DIR": bin, "MOTO_PORT": String(motoPort), "API_PORT": String(apiPort), "WORKERS": "1",
                "LECTERN_LOG_DIR": logs,
                // Not the default 9101: the suite's tests run side by side, and one's stack held it while another
                // checked its ports (seen in a fresh-clone run: "port 9101 (API_METRICS_PORT) is already in use").
                "API_METRICS_PORT": String(try Processes.freePort()),
            ]) { _, new in new }
    }

    var script: String { BuiltProducts.repositoryRoot.appendingPathComponent("scripts/run-local.sh").path }

    /// Starts the script as a terminal would: with no signals blocked. A child spawned from one of this process's
    /// worker threads inherits that thread's blocked signals, and bash (like moto's Python) would then never see
    /// the SIGINT this test sends; python resets the mask and execs bash in its place (same pid).
    func startScript(environment: [String: String]) throws -> ChildProcess {
        try ChildProcess(
            executable: "/usr/bin/env",
            arguments: [
                "python3", "-c",
                """
                import os, signal, sys
                signal.pthread_sigmask(signal.SIG_SETMASK, [])
                os.execv("/bin/bash", ["bash", sys.argv[1]])
                """, script,
            ],
            environment: environment,
            inheritEnvironment: false
        )
    }

    /// SIGKILL for whatever a failed run left behind.
    static func killAll(_ pids: [Int32]) {
        for pid in pids where Processes.isAlive(pid) { kill(pid, SIGKILL) }
    }

    @Test func startsEverythingPrintsTheURLAndTokensAndStopsCleanlyOnSIGINT() async throws {
        let motoPort = try Processes.freePort(), apiPort = try Processes.freePort()
        let logs = NSTemporaryDirectory() + "lectern-run-local-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: logs) }
        let run = try startScript(environment: try Self.environment(motoPort: motoPort, apiPort: apiPort, logs: logs))
        var spawned: [Int32] = []
        defer { Self.killAll(spawned + Self.descendants(of: run.pid)) }
        let banner = try await run.waitForOutput("the portal URL", seconds: 90) {
            $0.contains("Ctrl-C stops everything")
        }
        #expect(banner.contains("Portal:  http://localhost:\(apiPort)/"))
        #expect(
            banner.contains("professor of DEMO101") && banner.contains("student of DEMO101")
                && banner.contains("ops (olivia)")
        )
        #expect(banner.contains("lectern demo --api http://localhost:\(apiPort)"))
        // Three tokens, each a JWT on its own line.
        let tokens = banner.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.split(separator: ".").count == 3 && $0.hasPrefix("ey") }
        #expect(tokens.count == 3, "\(banner)")

        for path in ["/healthz", "/readyz"] {
            let response = try await transport.execute(
                HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(apiPort)\(path)")!)
            )
            #expect(response.status == 200, "\(path): \(String(decoding: response.body, as: UTF8.self))")
        }
        // A token printed by the script signs in to the API it started.
        let lectures = try await transport.execute(
            HTTPRequest(
                method: "GET",
                url: URL(string: "http://127.0.0.1:\(apiPort)/v1/courses/DEMO101/lectures")!,
                headers: ["Authorization": "Bearer \(tokens[1])"]
            )
        )
        #expect(lectures.status == 200, "\(String(decoding: lectures.body, as: UTF8.self))")
        // The demo course has its name in the registry, so the portal's heading shows one.
        let course = try await transport.execute(
            HTTPRequest(
                method: "GET",
                url: URL(string: "http://127.0.0.1:\(apiPort)/v1/courses/DEMO101")!,
                headers: ["Authorization": "Bearer \(tokens[1])"]
            )
        )
        #expect(
            String(decoding: course.body, as: UTF8.self).contains(#""name":"Demonstration Lectures 101""#),
            "\(String(decoding: course.body, as: UTF8.self))"
        )

        // The script gives the API a playback key of its own making (LECTERN_PLAYBACK_KEY), as a deployment does.
        let apiLog = (try? String(contentsOfFile: logs + "/api.log", encoding: .utf8)) ?? ""
        #expect(apiLog.contains("lectern-api listening"), "api.log: \(apiLog.suffix(2_000))")
        #expect(!apiLog.contains("LECTERN_PLAYBACK_KEY is not set"), "api.log: \(apiLog.suffix(2_000))")

        let children = Self.descendants(of: run.pid)
        spawned = children
        #expect(children.count >= 3, "moto, the API and the pool should run under the script: \(children)")
        for log in ["moto.log", "api.log", "workers.log", "bootstrap.log"] {
            #expect(FileManager.default.fileExists(atPath: logs + "/" + log), "\(log) missing")
        }

        run.signal(SIGINT)
        #expect(try await run.waitForExit(seconds: 60) == 0, "\(run.output)")
        #expect(
            try await Processes.survivors(children, seconds: 5).isEmpty,
            "left behind: \(children.filter(Processes.isAlive))"
        )
        #expect(run.output.contains("stopped"))
    }

    @Test func aTakenPortIsNamed() async throws {
        // A listener on the would-be moto port: the script must refuse rather than talk to a stranger.
        let holder = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: [
                "python3", "-c",
                """
                import socket, sys, time
                s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); \
                print(s.getsockname()[1], flush=True); time.sleep(60)
                """,
            ],
            environment: ProcessInfo.processInfo.environment,
            inheritEnvironment: false
        )
        defer { holder.signal(SIGKILL) }
        let text = try await holder.waitForOutput("the holder's port", seconds: 10) {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) != nil
        }
        let taken = try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        let logs = NSTemporaryDirectory() + "lectern-run-local-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: logs) }
        let run = try startScript(
            environment: try Self.environment(motoPort: taken, apiPort: try Processes.freePort(), logs: logs)
        )
        #expect(try await run.waitForExit(seconds: 20) != 0)
        #expect(run.output.contains("port \(taken) (MOTO_PORT) is already in use"), "\(run.output)")
    }
}
