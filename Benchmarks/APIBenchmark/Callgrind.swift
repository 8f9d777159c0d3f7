import AWS
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Instructions per request, counted by valgrind's callgrind: this VM has no hardware counters (`perf stat -e
/// instructions` says "not supported"), and req/s on 2 cores shared by several builds moves ±15 % between runs, so
/// a change to the request path is judged by the instructions it costs. lectern-api starts with collection off;
/// it is switched on for the measured wrk run only (after a warm-up), then off, so start-up, seeding and shutdown
/// are not counted. The record cache is on (1 s) so a request costs the request path, not a DynamoDB round trip
/// through moto. `callgrind_annotate <file>` shows where the instructions went.
enum Callgrind {
    static func instructionsPerRequest(
        binary: String,
        environment: [String: String],
        seconds: Int,
        script: String,
        check: (String) async throws -> Void
    ) async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lectern-api-callgrind-\(UUID().uuidString.prefix(8)).out"
        ).path
        let child = try ChildProcess(
            name: "lectern-api-callgrind",
            executable: "/usr/bin/valgrind",
            arguments: ["--tool=callgrind", "--collect-atstart=no", "--callgrind-out-file=\(output)", binary],
            environment: environment
        )
        let base = "http://127.0.0.1:\(environment["PORT"] ?? "")"
        // Under valgrind the binary starts some 50 times slower than on its own.
        var healthy = false
        for _ in 0..<240 where !healthy {
            let answer = try? await CurlTransport().execute(
                HTTPRequest(method: "GET", url: URL(string: base + "/healthz")!)
            )
            healthy = answer?.status == 200
            if !healthy { try await Task.sleep(for: .milliseconds(500)) }
        }
        guard healthy else {
            throw Wrk.Failure(description: "lectern-api under callgrind never answered\n\(child.logText)")
        }
        try await check(base)
        let pid = String(child.process.processIdentifier)
        _ = try await Wrk.run(url: base, script: script, connections: 8, seconds: 3)
        _ = try await ChildProcess.output("/usr/bin/callgrind_control", ["-i", "on", pid])
        let result = try await Wrk.run(url: base, script: script, connections: 8, seconds: seconds)
        _ = try await ChildProcess.output("/usr/bin/callgrind_control", ["-i", "off", pid])
        await child.stop(grace: .seconds(60))
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard
            let totals = text.split(separator: "\n").last(where: { $0.hasPrefix("totals:") || $0.hasPrefix("summary:") }
            ),
            let instructions = totals.split(separator: " ").dropFirst().first.flatMap({ Double($0) }),
            result.requests > 0, result.non2xx == 0
        else {
            throw Wrk.Failure(description: "no callgrind totals in \(output) (or failed requests: \(result))")
        }
        print(
            "lectern-api \(binary): \(result.requests) GET requests under callgrind, "
                + String(format: "%.0f instructions per request", instructions / Double(result.requests))
                + " (profile: callgrind_annotate \(output))"
        )
    }
}
