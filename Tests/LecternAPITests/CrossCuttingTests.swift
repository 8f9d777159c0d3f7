import Foundation
import LecternAPI
import Testing

@Suite("CORS, rate limits, metrics") struct CrossCuttingTests {
    @Test(arguments: Via.allCases) func theConfiguredPortalGetsCORSOthersDoNot(via: Via) async throws {
        let portal = "https://portal.example.edu"
        let world = try await TestWorld.make { $0.corsOrigin = portal }
        try await world.withClient(via) { client in
            let preflight = try await client.call(
                "OPTIONS",
                "/v1/lectures",
                headers: [
                    "Origin": portal, "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization, content-type",
                ]
            )
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Origin") == portal)
            #expect(preflight.header("Access-Control-Allow-Headers")?.contains("Authorization") == true)

            let stranger = try await client.call(
                "OPTIONS",
                "/v1/lectures",
                headers: ["Origin": "https://evil.example", "Access-Control-Request-Method": "POST"]
            )
            #expect(stranger.status == 403)
            #expect(stranger.header("Access-Control-Allow-Origin") == nil)

            let simple = try await client.call("GET", "/v1/lectures/lec_x", headers: ["Origin": portal])
            #expect(simple.status == 401)
            #expect(simple.header("Access-Control-Allow-Origin") == portal)
            #expect(
                try await client.call("GET", "/healthz", headers: ["Origin": "https://evil.example"]).header(
                    "Access-Control-Allow-Origin"
                ) == nil
            )
        }
    }

    /// On a clock only the test moves: at two writes a minute a token comes back every 30 s, which a loaded machine
    /// once took between the requests (so this suite ran serially); now the window holds at any speed.
    @Test(arguments: Via.allCases) func writesAreRateLimitedPerUser(via: Via) async throws {
        let clock = LectureRecordCacheTests.ManualClock()
        let world = try await TestWorld.make(clock: { clock.now() }) { $0.writesPerMinute = 2 }
        let alice = try await world.token(.professor, user: "alice", courses: ["CS101"])
        let bob = try await world.token(.professor, user: "bob", courses: ["CS101"])
        try await world.withClient(via) { client in
            let body = CreateLectureRequest(
                title: "T",
                course: "CS101",
                filename: "t.mp4",
                size: 10,
                contentType: "video/mp4"
            )
            for _ in 0..<2 {
                #expect(try await client.call("POST", "/v1/lectures", token: alice, json: body).status == 201)
            }
            let limited = try await client.call("POST", "/v1/lectures", token: alice, json: body)
            #expect(limited.status == 429)
            #expect(Int(limited.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(try await client.call("POST", "/v1/lectures", token: bob, json: body).status == 201)
            // Reads are not limited.
            #expect(try await client.call("GET", "/v1/courses/CS101/lectures", token: alice).status == 200)
            // A token comes back every 30 s (two a minute): not yet at 29 s, one (and only one) at 31 s.
            clock.advance(by: .seconds(29))
            #expect(try await client.call("POST", "/v1/lectures", token: alice, json: body).status == 429)
            clock.advance(by: .seconds(2))
            #expect(try await client.call("POST", "/v1/lectures", token: alice, json: body).status == 201)
            #expect(try await client.call("POST", "/v1/lectures", token: alice, json: body).status == 429)
        }
    }

    @Test(arguments: Via.allCases) func metricsCountRequestsByRouteAndStatus(via: Via) async throws {
        let world = try await TestWorld.make()
        try await world.withClient(via) { client in
            for _ in 0..<3 { _ = try await client.call("GET", "/healthz") }
            _ = try await client.call("GET", "/v1/lectures/lec_x")
            // Served by `MetricsListener` on a port of its own (OperationalEndpointTests), never by the API.
            #expect(try await client.call("GET", "/metrics").status == 404)
            let metrics = world.app.metrics.exposition()
            #expect(metrics.contains(#"lectern_api_requests_total{route="/healthz",method="GET",status="200"} 3"#))
            #expect(
                metrics.contains(#"lectern_api_requests_total{route="/v1/lectures/:id",method="GET",status="401"} 1"#)
            )
            #expect(metrics.contains(#"lectern_api_requests_total{route="unmatched",method="GET",status="404"} 1"#))
            #expect(metrics.contains("lectern_api_request_duration_seconds_bucket"))
        }
    }
}
