import Foundation
import LecternTestSupport
import Testing

@testable import LecternAPI

/// `LECTERN_API_*`: the engine's listen address and limits, from the environment to the running server.
@Suite("HTTP engine settings") struct EngineSettingsTests {
    let minimal = [
        "LECTERN_LECTURES_TABLE": "lectures", "LECTERN_BUCKET": "media", "LECTERN_QUEUE_URL": "jobs",
        "LECTERN_JWT_SECRET": "0123456789abcdef0123456789abcdef",
    ]

    @Test func defaultsAreTheEngines() throws {
        let settings = try APIConfig.fromEnvironment(minimal).engine
        let engine = HTTP1Server.Configuration()
        #expect(settings.host == nil)
        #expect(
            settings.maxConnections == engine.maxConnections
                && settings.maxConnectionsPerClient == engine.maxConnectionsPerClient
        )
        #expect(.seconds(settings.handlerTimeoutSeconds) == engine.handlerTimeout)
        #expect(settings.maxHeadBytes == engine.maxHeadBytes && settings.maxHeaderFields == engine.maxHeaderFields)
    }

    @Test func everySettingIsRead() throws {
        var environment = minimal
        environment["LECTERN_API_HOST"] = "::1"
        environment["LECTERN_API_MAX_CONNECTIONS"] = "500"
        environment["LECTERN_API_MAX_CONNECTIONS_PER_CLIENT"] = "0"
        environment["LECTERN_API_HANDLER_TIMEOUT_SECONDS"] = "12"
        environment["LECTERN_API_MAX_HEAD_BYTES"] = "32768"
        environment["LECTERN_API_MAX_HEADER_FIELDS"] = "50"
        let settings = try APIConfig.fromEnvironment(environment).engine
        var expected = HTTPEngineSettings()
        expected.host = "::1"
        expected.maxConnections = 500
        expected.maxConnectionsPerClient = 0
        expected.handlerTimeoutSeconds = 12
        expected.maxHeadBytes = 32_768
        expected.maxHeaderFields = 50
        #expect(settings == expected)
        #expect(
            try APIConfig.fromEnvironment(minimal.merging(["LECTERN_API_HOST": "10.0.1.5"]) { $1 }).engine.host
                == "10.0.1.5"
        )
    }

    @Test func badValuesAreNamedAtOnce() {
        var environment = minimal
        environment["LECTERN_API_HOST"] = "localhost"
        environment["LECTERN_API_MAX_CONNECTIONS"] = "0"
        environment["LECTERN_API_HANDLER_TIMEOUT_SECONDS"] = "soon"
        #expect { try APIConfig.fromEnvironment(environment) } throws: { error in
            let problems = (error as? APIConfigError)?.problems ?? []
            return problems.count == 3
                && [
                    "LECTERN_API_HOST=localhost", "LECTERN_API_MAX_CONNECTIONS=0",
                    "LECTERN_API_HANDLER_TIMEOUT_SECONDS=soon",
                ]
                .allSatisfy { name in problems.contains { $0.hasPrefix(name) } }
        }
    }

    @Test func theServerAppliesTheLimitsAndCountsRefusalsInItsMetrics() async throws {
        let world = try await TestWorld.make {
            $0.engine.maxConnections = 1
            $0.engine.maxHeaderFields = 10
        }
        let server = try APIServer(application: world.app, host: "127.0.0.1", port: 0)
        let running = Task { try await server.run() }
        try await server.waitUntilListening(timeout: 30)
        let port = try #require(await server.port)
        let (served, refused, fields) = try await RawSocket.onThread { () throws -> (Int, Int, Int) in
            // Given one connection held open (the cap)
            let held = try RawSocket(port: port)
            held.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            let served = try held.readResponse().status
            // When a second connection arrives while the first is still open, then it is refused
            let refused = try RawSocket(port: port).readResponse().status
            // And the held one's next request, with more header fields than the limit, is 431
            held.send("GET /healthz HTTP/1.1\r\nHost: t\r\n" + (0..<10).map { "X-\($0): v\r\n" }.joined() + "\r\n")
            return (served, refused, try held.readResponse().status)
        }
        await server.stop()
        running.cancel()
        #expect(served == 200)
        #expect(refused == 503)
        #expect(fields == 431)
        #expect(
            world.app.metrics.exposition().contains(#"lectern_api_connections_refused_total{reason="server-full"} 1"#)
        )
    }
}
