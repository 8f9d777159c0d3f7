import Foundation
import LecternTestSupport
import Logging
import ServiceLifecycle
import Testing

@testable import LecternAPI

/// Issue 13 §3: the operational endpoints (metrics, readiness, sign-in) cannot be abused.
@Suite("Operational endpoints") struct OperationalEndpointTests {
    // MARK: Metrics live on a listener of their own

    @Test func theAPIPortAnswers404ForMetricsAndEveryAliasOverARealSocket() async throws {
        let world = try await TestWorld.make()
        let server = try APIServer(application: world.app, host: "127.0.0.1", port: 0)
        let running = Task { try await server.run() }
        defer { running.cancel() }
        try await server.waitUntilListening(timeout: 30)
        let port = try #require(await server.port)
        // Given the paths the load balancer rule did not hide (sent as written: curl would normalise them)
        let paths = ["/metrics", "//metrics", "/./metrics", "/x/../metrics", "/metrics/"]
        let statuses = try await RawSocket.onThread { () throws -> [Int] in
            try paths.map { path in
                let socket = try RawSocket(port: port)
                socket.send("GET \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                let response = try socket.readResponse()
                // Whatever the status, no exposition leaks.
                #expect(!response.text.contains("lectern_api_requests_total"), "\(path)")
                return response.status
            }
        }
        await server.stop()
        // Then none of them is metrics
        #expect(
            statuses == Array(repeating: 404, count: paths.count),
            "\(zip(paths, statuses).map { "\($0) → \($1)" })"
        )
    }

    @Test func theMetricsListenerServesTheAPIsCountsOnItsOwnPortAndStopsWithTheGroup() async throws {
        let world = try await TestWorld.make()
        _ = await world.app.respond(to: APIRequest(method: "GET", path: "/healthz"))
        let listener = MetricsListener(
            metrics: world.app.metrics,
            host: "127.0.0.1",
            port: 0,
            logger: Logger(label: "test")
        )
        let server = try APIServer(application: world.app, host: "127.0.0.1", port: 0)
        let group = ServiceGroup(configuration: .init(services: [listener, server], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        try await listener.waitUntilListening(timeout: .seconds(30))
        try await server.waitUntilListening(timeout: 30)
        let metricsPort = try #require(listener.port)
        let apiPort = try #require(await server.port)
        #expect(metricsPort != apiPort)

        let (metrics, other, api) = try await RawSocket.onThread {
            () throws -> (RawSocket.Response, RawSocket.Response, RawSocket.Response) in
            let socket = try RawSocket(port: metricsPort)
            socket.send("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")
            let metrics = try socket.readResponse()
            socket.send("GET /v1/lectures/lec_x HTTP/1.1\r\nHost: test\r\n\r\n")
            let other = try socket.readResponse()
            let apiSocket = try RawSocket(port: apiPort)
            apiSocket.send("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            return (metrics, other, try apiSocket.readResponse())
        }
        #expect(metrics.status == 200)
        #expect(
            metrics.text.contains(#"lectern_api_requests_total{route="/healthz",method="GET",status="200"} 1"#),
            "\(metrics.text)"
        )
        #expect(other.status == 404)
        #expect(api.status == 200)

        // SIGTERM's graceful shutdown ends both listeners.
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(listener.port == nil)
        #expect(await server.port == nil)
    }

    // MARK: Labels come from closed sets

    @Test func anyMethodAClientSendsIsLabelledFromAClosedSet() async throws {
        let world = try await TestWorld.make()
        // Given an anonymous client sending 20 made-up methods and one of 6,000 characters
        var invented = (0..<20).map { _ in "X\(UUID().uuidString.prefix(8).uppercased())" }
        invented.append(String(repeating: "M", count: 6_000))
        for method in invented { _ = await world.app.respond(to: APIRequest(method: method, path: "/v1/lectures")) }
        _ = await world.app.respond(to: APIRequest(method: "GET", path: "/healthz"))
        let exposition = world.app.metrics.exposition()
        // Then none of them became a label: they are counted together as "other"
        for method in invented { #expect(!exposition.contains(method), "\(method.prefix(40)) became a label") }
        #expect(
            exposition.contains(#"lectern_api_requests_total{route="unmatched",method="other",status="405"} 21"#),
            "\(exposition)"
        )
        #expect(exposition.contains(#"lectern_api_requests_total{route="/healthz",method="GET",status="200"} 1"#))
        let methods = Set(
            exposition.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("lectern_api_requests_total{"), let range = line.range(of: #"method=""#) else {
                    return nil
                }
                return String(line[range.upperBound...].prefix { $0 != "\"" })
            }
        )
        #expect(methods.isSubset(of: APIMetrics.labelledMethods.union(["other"])))
    }

    // MARK: Failed sign-ins are limited per client

    @Test func aClientThatKeepsFailingToSignInGets429BeforeItsTokenIsVerified() async throws {
        let world = try await TestWorld.make { $0.failedSignInsPerMinute = 3 }
        let good = try await world.token(.professor, courses: ["CS101"])
        func call(_ token: String, from client: String) async -> APIResponse {
            await world.app.respond(
                to: APIRequest(
                    method: "GET",
                    path: "/v1/courses/CS101/lectures",
                    headers: ["Authorization": "Bearer \(token)"],
                    clientAddress: client
                )
            )
        }
        // Given a client that failed three times
        for attempt in 0..<3 { #expect(await call("forged.\(attempt).token", from: "203.0.113.7").status == 401) }
        // Then its next request is refused with Retry-After, even with a good token: nothing was verified
        let limited = await call(good, from: "203.0.113.7")
        #expect(limited.status == 429)
        #expect(Int(limited.header("Retry-After") ?? "") ?? 0 >= 1)
        #expect(limited.problem?.detail.contains("failed sign-ins") == true)
        // And another client is not affected, nor is a good token counted as a failure
        for _ in 0..<5 { #expect(await call(good, from: "198.51.100.9").status == 200) }
        #expect(await call("forged.x.token", from: "198.51.100.9").status == 401)
    }

    @Test(arguments: Via.allCases) func behindAProxyTheClientIsTheEntryTheProxyAppended(via: Via) async throws {
        let world = try await TestWorld.make {
            $0.failedSignInsPerMinute = 2
            $0.forwardedHops = 1
        }
        try await world.withClient(via) { client in
            var statuses: [Int] = []
            // A client that writes its own X-Forwarded-For entries cannot escape: the proxy's entry (the last) decides;
            // and clients behind the same proxy are told apart
            for forwarded in ["10.0.0.1, 203.0.113.7", "10.0.0.2, 203.0.113.7", "10.0.0.3, 203.0.113.7", "203.0.113.8"]
            {
                let answer = try await client.call(
                    "GET",
                    "/v1/ops/queue",
                    token: "forged.token.here",
                    headers: ["X-Forwarded-For": forwarded]
                )
                statuses.append(answer.status)
            }
            #expect(statuses == [401, 401, 429, 401])
        }
    }

    // MARK: Readiness is shared for a moment

    actor Counter {
        var count = 0
        func next() -> Int {
            count += 1
            return count
        }
    }

    @Test func concurrentAndRepeatedProbesShareOneRoundOfChecks() async throws {
        let cache = ReadinessCache()
        let calls = Counter()
        let check: @Sendable () async -> ReadinessCache.Answer = {
            _ = await calls.next()
            try? await Task.sleep(for: .milliseconds(50))
            return ReadinessCache.Answer(ready: true, checks: ["s3": "ok"])
        }
        let start = ContinuousClock.now
        // Given 20 probes at once
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<20 { group.addTask { #expect(await cache.answer(now: start, check: check).ready) } }
        }
        // Then one round of checks answered them all, and a probe within the next second too
        #expect(await calls.count == 1)
        _ = await cache.answer(now: start + .milliseconds(900), check: check)
        #expect(await calls.count == 1)
        // And once the answer is older than `readyFor`, the next probe checks again
        _ = await cache.answer(now: start + ReadinessCache.readyFor + .seconds(5), check: check)
        #expect(await calls.count == 2)
    }

    @Test func aFailedReadinessIsKeptForLessTimeThanASuccess() async throws {
        #expect(ReadinessCache.notReadyFor < ReadinessCache.readyFor)
        #expect(ReadinessCache.readyFor <= .seconds(2))
        let cache = ReadinessCache()
        let calls = Counter()
        let start = ContinuousClock.now
        let failing: @Sendable () async -> ReadinessCache.Answer = {
            _ = await calls.next()
            return ReadinessCache.Answer(ready: false, checks: ["s3": "error NoSuchBucket"])
        }
        #expect(await cache.answer(now: start, check: failing).ready == false)
        #expect(
            await cache.answer(now: start + ReadinessCache.notReadyFor / 2, check: failing).checks["s3"]
                == "error NoSuchBucket"
        )
        #expect(await calls.count == 1)
        _ = await cache.answer(now: start + ReadinessCache.notReadyFor + .milliseconds(1), check: failing)
        #expect(await calls.count == 2)
    }
}
