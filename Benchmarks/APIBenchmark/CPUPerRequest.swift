import AWS
import Foundation
import LecternTestSupport

/// CPU time per request of the lectern-api process (`--cpu-per-request N`): user + system time from
/// /proc/<pid>/stat before and after N seconds of GET load, divided by the requests wrk completed. On 2 cores shared
/// by several builds req/s moves ±15 % between runs; the process's own CPU time per request moves less (it still
/// grows when the cores are contended, so compare builds in alternating runs at similar load). Instruction counts
/// would be steadier, but this VM has no hardware counters (`perf stat -e instructions`: "not supported") and
/// valgrind 3.19 cannot run the release binary (its DWARF 5 debug information; stripped, callgrind crashes in
/// BoringSSL's CPU feature probe). The record cache is on (1 s), so a request costs the request path, not a
/// DynamoDB round trip through moto.
enum CPUPerRequest {
    static func measure(
        binary: String,
        environment: [String: String],
        seconds: Int,
        rounds: Int,
        script: String,
        check: (String) async throws -> Void
    ) async throws {
        let child = try ChildProcess(
            name: "lectern-api-cpu",
            executable: binary,
            arguments: [],
            environment: environment
        )
        defer { kill(child.process.processIdentifier, SIGKILL) }
        let base = "http://127.0.0.1:\(environment["PORT"] ?? "")"
        var healthy = false
        for _ in 0..<300 where !healthy {
            let answer = try? await CurlTransport().execute(
                HTTPRequest(method: "GET", url: URL(string: base + "/healthz")!)
            )
            healthy = answer?.status == 200
            if !healthy { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard healthy else { throw Wrk.Failure(description: "lectern-api never answered\n\(child.logText)") }
        try await check(base)
        let pid = child.process.processIdentifier
        _ = try await Wrk.run(url: base, script: script, connections: 64, seconds: 2)
        for round in 1...rounds {
            let load = loadAverage()
            let before = try cpuSeconds(pid)
            let result = try await Wrk.run(url: base, script: script, connections: 64, seconds: seconds)
            let used = try cpuSeconds(pid) - before
            guard result.requests > 0, result.non2xx == 0 else {
                throw Wrk.Failure(description: "failed requests: \(result)")
            }
            print(
                "round \(round): \(result.requests) GET requests, "
                    + String(
                        format: "%.1f µs CPU per request (%.0f req/s, %.2f s CPU), load %@",
                        used / Double(result.requests) * 1e6,
                        result.requestsPerSecond,
                        used,
                        load
                    )
            )
            fflush(nil)
        }
        await child.stop()
    }

    /// utime + stime of `pid` in seconds.
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        guard let seconds = processCPUSeconds(pid) else { throw Wrk.Failure(description: "odd /proc stat") }
        return seconds
    }
}
