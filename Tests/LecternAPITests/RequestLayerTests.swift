import Foundation
import Logging
import Testing

@testable import LecternAPI

/// Each request layer alone, in milliseconds: no moto, no socket. What crosses the wire stays with the `TestWorld`
/// tests (CrossCuttingTests, PlaybackGrantTests, OperationalEndpointTests).
@Suite("Request layers (pure)") struct RequestLayerTests {
    static let secret = "layer-test-secret-0123456789abcdef"
    static let portal = "https://portal.example.edu"

    static func authentication(
        failedSignIns: RateLimiter = RateLimiter(perMinute: 1_000),
        grants: PlaybackGrants = PlaybackGrants(key: .random(), lifetimeSeconds: 600)
    ) async throws -> AuthenticationLayer {
        AuthenticationLayer(
            authenticator: try await Authenticator(source: .sharedSecret(secret), issuer: nil, audience: nil),
            playbackGrants: grants,
            failedSignIns: failedSignIns,
            forwardedHops: 0
        )
    }

    static func bearer(_ role: Role = .professor, user: String = "prof-1") async throws -> [String: String] {
        [
            "Authorization": "Bearer "
                + (try await DevTokens.mint(secret: secret, role: role, user: user, courses: ["CS101"]))
        ]
    }

    // MARK: the chain

    struct Tag: RequestLayer {
        let name: String
        let trail: LockedBox<[String]>
        func handle(_ context: RequestContext, next: RequestNext) async throws -> APIResponse {
            trail.set(trail.get() + [name])
            var response = try await next(context)
            response.headers["X-Out"] = (response.headers["X-Out"].map { $0 + "," } ?? "") + name
            return response
        }
    }

    @Test func theChainRunsOutermostFirstInAndLastOut() async throws {
        let trail = LockedBox<[String]>([])
        let chain = RequestLayers.chain([Tag(name: "a", trail: trail), Tag(name: "b", trail: trail)]) { _ in
            trail.set(trail.get() + ["handler"])
            return APIResponse(status: 200)
        }
        let response = try await chain(.make())
        #expect(trail.get() == ["a", "b", "handler"] && response.headers["X-Out"] == "b,a")
    }

    struct Check: RequestCheck {
        let name: String
        let trail: LockedBox<[String]>
        var refuses = false
        func check(_ context: inout RequestContext) throws {
            trail.set(trail.get() + [name])
            if refuses { throw APIProblem.forbidden(name) }
            context.parameters[name] = "seen"
        }
    }

    struct Filter: ResponseFilter {
        let name: String
        func filter(_ response: inout APIResponse, for context: RequestContext) {
            response.headers["X-Out"] = (response.headers["X-Out"].map { $0 + "," } ?? "") + name
        }
    }

    /// Adjacent checks and filters share one step of the chain (`RequestLayers.chain`); they must still run where
    /// they are declared, checks in order on the way in, filters innermost first on the way out.
    @Test func checksAndFiltersKeepTheirPlaceInTheChain() async throws {
        let trail = LockedBox<[String]>([])
        let layers: [any RequestLayer] = [
            Filter(name: "f1"), Filter(name: "f2"), Tag(name: "a", trail: trail), Check(name: "c1", trail: trail),
            Check(name: "c2", trail: trail), Tag(name: "b", trail: trail), Check(name: "c3", trail: trail),
            Filter(name: "f3"),
        ]
        let chain = RequestLayers.chain(layers) { context in
            trail.set(trail.get() + ["handler"] + context.parameters.keys.sorted())
            return APIResponse(status: 200)
        }
        let response = try await chain(.make())
        #expect(trail.get() == ["a", "c1", "c2", "b", "c3", "handler", "c1", "c2", "c3"])
        #expect(response.headers["X-Out"] == "f3,b,a,f2,f1")

        trail.set([])
        let refusing = RequestLayers.chain(
            [
                Check(name: "c1", trail: trail), Check(name: "c2", trail: trail, refuses: true),
                Check(name: "c3", trail: trail),
            ]
        ) { _ in
            trail.set(trail.get() + ["handler"])
            return APIResponse(status: 200)
        }
        await #expect(throws: APIProblem.forbidden("c2")) { try await refusing(.make()) }
        #expect(trail.get() == ["c1", "c2"])
    }

    // MARK: CORS

    @Test func aPreflightAllowsTheMethodsThePathHasIncludingPUT() async throws {
        let router = Router.make("GET /v1/lectures/:id/progress", "PUT /v1/lectures/:id/progress")
        let layer = CORSLayer(allowedOrigin: Self.portal, router: router)
        let request = APIRequest.make(
            "OPTIONS",
            "/v1/lectures/L1/progress",
            headers: ["Origin": Self.portal, "Access-Control-Request-Method": "PUT"]
        )
        let handler = RecordingHandler()
        let response = try await layer.handle(.make(request, router: router), next: handler.next)
        #expect(response.status == 204 && handler.seen.get() == nil)
        #expect(response.header("Access-Control-Allow-Methods") == "GET, PUT, OPTIONS")
        #expect(response.header("Access-Control-Allow-Origin") == Self.portal && response.header("Vary") == "Origin")
    }

    @Test func aPreflightFromAnotherOriginIsRefusedAndItsAnswersCarryNoCORSHeaders() async throws {
        let router = Router.make("GET /v1/courses")
        let layer = CORSLayer(allowedOrigin: Self.portal, router: router)
        let elsewhere = "https://evil.example"
        let preflight = APIRequest.make(
            "OPTIONS",
            "/v1/courses",
            headers: ["Origin": elsewhere, "Access-Control-Request-Method": "GET"]
        )
        let refused = try await layer.handle(.make(preflight, router: router), next: RecordingHandler().next)
        #expect(refused.status == 403 && refused.header("Access-Control-Allow-Origin") == nil)
        let plain = try await layer.handle(
            .make(.make("GET", "/v1/courses", headers: ["Origin": elsewhere]), router: router),
            next: RecordingHandler().next
        )
        #expect(plain.status == 200 && plain.header("Access-Control-Allow-Origin") == nil)
    }

    @Test func theConfiguredOriginGetsTheAllowHeadersOnAnOrdinaryAnswer() async throws {
        let layer = CORSLayer(allowedOrigin: Self.portal, router: Router.make("GET /v1/courses"))
        let response = try await layer.handle(
            .make(.make("GET", "/v1/courses", headers: ["Origin": Self.portal])),
            next: RecordingHandler().next
        )
        #expect(response.header("Access-Control-Allow-Origin") == Self.portal)
        #expect(response.header("Access-Control-Expose-Headers") == "Location, Retry-After")
    }

    @Test func withoutAConfiguredOriginThereIsNoCrossOriginAccess() async throws {
        let layer = CORSLayer(allowedOrigin: nil, router: Router.make("GET /v1/courses"))
        let preflight = APIRequest.make(
            "OPTIONS",
            "/v1/courses",
            headers: ["Origin": Self.portal, "Access-Control-Request-Method": "GET"]
        )
        #expect(try await layer.handle(.make(preflight), next: RecordingHandler().next).status == 403)
    }

    // MARK: routing, body limits, tokens in URLs

    @Test func routingRefusesUnknownPathsAndMethodsAndHandsOnParameters() async throws {
        let router = Router.make("GET /v1/lectures/:id")
        let handler = RecordingHandler()
        _ = try await RoutingLayer().handle(.make(.make("GET", "/v1/lectures/L7"), router: router), next: handler.next)
        #expect(handler.seen.get()?.parameter("id") == "L7")
        await #expect {
            try await RoutingLayer().handle(
                .make(.make("DELETE", "/v1/lectures/L7"), router: router),
                next: handler.next
            )
        } throws: { ($0 as? APIProblem)?.status == 405 }
        await #expect {
            try await RoutingLayer().handle(.make(.make("GET", "/v2"), router: router), next: handler.next)
        } throws: { ($0 as? APIProblem)?.status == 404 }
    }

    @Test func aBodyOverTheRoutesLimitIsRefusedAndOneUnderIsNot() async throws {
        let router = Router.make([("POST /captions", .authenticated, 100), ("POST /lectures", .authenticated, nil)])
        let layer = BodyLimitLayer(defaultLimit: 10, largestLimit: router.largestBodyLimit(default: 10))
        let fifty = Data(count: 50)
        let taken = try await layer.handle(
            .make(.make("POST", "/captions", body: fifty), router: router),
            next: RecordingHandler().next
        )
        #expect(taken.status == 200)
        await #expect {
            try await layer.handle(
                .make(.make("POST", "/lectures", body: fifty), router: router),
                next: RecordingHandler().next
            )
        } throws: { ($0 as? APIProblem)?.status == 413 }
        await #expect {
            try await layer.handle(
                .make(.make("POST", "/nowhere", body: Data(count: 101)), router: router),
                next: RecordingHandler().next
            )
        } throws: { ($0 as? APIProblem)?.status == 413 }
    }

    @Test func anAccessTokenInTheQueryIsRefused() async throws {
        await #expect {
            try await QueryTokenLayer().handle(
                .make(.make(query: ["access_token": "x"])),
                next: RecordingHandler().next
            )
        } throws: { ($0 as? APIProblem)?.kind == "token-in-query" }
        #expect(
            try await QueryTokenLayer().handle(.make(.make(query: ["grant": "x"])), next: RecordingHandler().next)
                .status == 200
        )
    }

    // MARK: authentication per RouteAccess

    @Test func aPublicRouteNeedsNoTokenAndAnAuthenticatedOneDoes() async throws {
        let router = Router.make([("GET /healthz", .public_, nil), ("GET /v1/courses", .authenticated, nil)])
        let layer = try await Self.authentication()
        #expect(
            try await layer.handle(.make(.make("GET", "/healthz"), router: router), next: RecordingHandler().next)
                .status == 200
        )
        await #expect {
            try await layer.handle(.make(.make("GET", "/v1/courses"), router: router), next: RecordingHandler().next)
        } throws: { ($0 as? APIProblem)?.status == 401 }
        let handler = RecordingHandler()
        _ = try await layer.handle(
            .make(.make("GET", "/v1/courses", headers: try await Self.bearer()), router: router),
            next: handler.next
        )
        #expect(handler.seen.get()?.principal?.userID == "prof-1")
    }

    @Test func aPlaybackGrantWorksOnlyOnARouteThatDeclaresPlaybackAccessForItsLecture() async throws {
        let grants = PlaybackGrants(key: .random(), lifetimeSeconds: 600)
        let grant = grants.mint(
            lecture: "L1",
            course: "CS101",
            for: Principal(userID: "student-1", role: .student, courses: ["CS101"])
        )
        let router = Router.make([
            ("GET /v1/lectures/:id/anything.vtt", .playback(lectureParameter: "id"), nil),
            ("GET /v1/lectures/:id/other.m3u8", .authenticated, nil),
        ])
        let layer = try await Self.authentication(grants: grants)
        let handler = RecordingHandler()
        var context = RequestContext.make(
            .make("GET", "/v1/lectures/L1/anything.vtt", query: ["grant": grant]),
            router: router
        )
        context.parameters = ["id": "L1"]
        _ = try await layer.handle(context, next: handler.next)
        #expect(handler.seen.get()?.principal?.userID == "student-1" && handler.seen.get()?.playbackGrant == grant)
        // A name ending in .m3u8 earns nothing: the route declared bearer access.
        context = .make(.make("GET", "/v1/lectures/L1/other.m3u8", query: ["grant": grant]), router: router)
        context.parameters = ["id": "L1"]
        await #expect { try await layer.handle(context, next: handler.next) } throws: {
            ($0 as? APIProblem)?.status == 401
        }
        // Another lecture's grant is genuine but not for this one.
        context = .make(.make("GET", "/v1/lectures/L2/anything.vtt", query: ["grant": grant]), router: router)
        context.parameters = ["id": "L2"]
        await #expect { try await layer.handle(context, next: handler.next) } throws: {
            ($0 as? APIProblem)?.status == 403
        }
    }

    @Test func aClientThatKeepsFailingIsRefusedBeforeItsTokenIsChecked() async throws {
        let router = Router.make("GET /v1/courses")
        let layer = try await Self.authentication(failedSignIns: RateLimiter(perMinute: 2))
        let request = APIRequest.make(
            "GET",
            "/v1/courses",
            headers: ["Authorization": "Bearer nonsense"],
            clientAddress: "203.0.113.7"
        )
        for _ in 0..<2 {
            await #expect {
                try await layer.handle(.make(request, router: router), next: RecordingHandler().next)
            } throws: { ($0 as? APIProblem)?.status == 401 }
        }
        var good = APIRequest.make("GET", "/v1/courses", headers: try await Self.bearer(), clientAddress: "203.0.113.7")
        await #expect { try await layer.handle(.make(good, router: router), next: RecordingHandler().next) } throws: {
            ($0 as? APIProblem)?.status == 429
        }
        good.clientAddress = "203.0.113.8"
        #expect(try await layer.handle(.make(good, router: router), next: RecordingHandler().next).status == 200)
    }

    // MARK: write rate limit

    @Test func everyUnsafeMethodCountsAsAWriteAndReadsDoNot() async throws {
        let layer = WriteRateLimitLayer(limiter: RateLimiter(perMinute: 1))
        let caller = Principal(userID: "prof-1", role: .professor)
        for _ in 0..<3 {
            #expect(
                try await layer.handle(.make(.make("GET"), principal: caller), next: RecordingHandler().next).status
                    == 200
            )
        }
        #expect(
            try await layer.handle(.make(.make("PUT"), principal: caller), next: RecordingHandler().next).status == 200
        )
        await #expect {
            try await layer.handle(.make(.make("PATCH"), principal: caller), next: RecordingHandler().next)
        } throws: { ($0 as? APIProblem)?.status == 429 }
        let other = Principal(userID: "prof-2", role: .professor)
        #expect(
            try await layer.handle(.make(.make("DELETE"), principal: other), next: RecordingHandler().next).status
                == 200
        )
    }

    // MARK: HEAD and metrics

    @Test func HEADLosesTheBodyAndKeepsTheRest() async throws {
        let response = try await HeadLayer().handle(.make(.make("HEAD"))) { _ in
            APIResponse(status: 200, headers: ["ETag": "\"1\""], body: Data("hello".utf8))
        }
        #expect(response.body.isEmpty && response.header("ETag") == "\"1\"")
    }
}
