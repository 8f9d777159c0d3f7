import Foundation

/// One wrk run's numbers, parsed from its `--latency` report.
struct WrkResult {
    var requestsPerSecond: Double
    var p50Milliseconds: Double
    var p99Milliseconds: Double
    var requests: Int
    /// Answers outside 2xx/3xx: a run with any is not a valid measurement of the endpoint.
    var non2xx: Int
    var socketErrors: Int
}

enum Wrk {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// A Lua script that sends `method` with `headers` and `body` on every request.
    static func script(method: String, headers: [String: String], body: String?) -> String {
        var lines = ["wrk.method = \"\(method)\""]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            lines.append("wrk.headers[\"\(name)\"] = \"\(value)\"")
        }
        if let body { lines.append("wrk.body = [[\(body)]]") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `wrk -t2 -c<connections> -d<seconds>s --latency -s <script> <url>`.
    static func run(
        url: String,
        script: String,
        connections: Int,
        seconds: Int,
        threads: Int = 2
    ) async throws -> WrkResult {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lectern-wrk-\(UUID().uuidString).lua")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try await ChildProcess.output(
            "/usr/bin/wrk",
            [
                "-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency",
                "-s", file.path, url,
            ]
        )
        return try parse(output)
    }

    static func parse(_ text: String) throws -> WrkResult {
        func number(after label: String) -> String? {
            guard
                let line = text.split(separator: "\n").first(where: {
                    $0.trimmingCharacters(in: .whitespaces).hasPrefix(label)
                })
            else { return nil }
            return line.trimmingCharacters(in: .whitespaces).dropFirst(label.count).split(separator: " ").first.map(
                String.init
            )
        }
        guard let rate = number(after: "Requests/sec:").flatMap(Double.init),
            let p50 = number(after: "50%").flatMap(milliseconds), let p99 = number(after: "99%").flatMap(milliseconds),
            let requestsLine = text.split(separator: "\n").first(where: { $0.contains("requests in") }),
            let requests = requestsLine.trimmingCharacters(in: .whitespaces).split(separator: " ").first.flatMap({
                Int($0)
            })
        else {
            throw Failure(description: "could not read wrk's report:\n\(text)")
        }
        let non2xx = number(after: "Non-2xx or 3xx responses:").flatMap(Int.init) ?? 0
        var errors = 0
        if let line = text.split(separator: "\n").first(where: { $0.contains("Socket errors:") }) {
            // "Socket errors: connect 0, read 0, write 0, timeout 0"
            errors = line.split(separator: ",").compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(
                0,
                +
            )
        }
        return WrkResult(
            requestsPerSecond: rate,
            p50Milliseconds: p50,
            p99Milliseconds: p99,
            requests: requests,
            non2xx: non2xx,
            socketErrors: errors
        )
    }

    /// "812.00us", "1.23ms", "2.01s" → milliseconds.
    static func milliseconds(_ text: String) -> Double? {
        for (unit, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(unit) {
            return Double(text.dropLast(unit.count)).map { $0 * scale }
        }
        return nil
    }
}
