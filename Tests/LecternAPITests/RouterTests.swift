import Foundation
import Testing

@testable import LecternAPI

/// The router alone, without moto or a socket: matching, parameters, 404 and 405, and the methods a path has.
@Suite("Router (pure)") struct RouterTests {
    @Test func aParameterIsBoundAndPercentDecoded() {
        let router = Router.make("GET /v1/lectures/:id")
        guard case .found(let route, let parameters) = router.match(method: "GET", path: "/v1/lectures/a%20b") else {
            Issue.record("no match")
            return
        }
        #expect(route.name == "/v1/lectures/:id" && parameters == ["id": "a b"])
    }

    @Test func aParameterWithASuffixLosesTheSuffixAndNeedsMoreThanIt() {
        let router = Router.make("GET /v1/lectures/:id/hls/:rendition.m3u8")
        guard case .found(_, let parameters) = router.match(method: "GET", path: "/v1/lectures/L1/hls/720p.m3u8") else {
            Issue.record("no match")
            return
        }
        #expect(parameters == ["id": "L1", "rendition": "720p"])
        guard case .none = router.match(method: "GET", path: "/v1/lectures/L1/hls/.m3u8") else {
            Issue.record("matched")
            return
        }
        guard case .none = router.match(method: "GET", path: "/v1/lectures/L1/hls/720p.ts") else {
            Issue.record("matched")
            return
        }
    }

    @Test func routesAreTriedInOrderAndHEADTakesAGETRoute() {
        let router = Router.make("GET /v1/courses/:course", "GET /v1/courses/special")
        guard case .found(let route, _) = router.match(method: "HEAD", path: "/v1/courses/special") else {
            Issue.record("no match")
            return
        }
        #expect(route.name == "/v1/courses/:course")
    }

    @Test func anotherMethodIs405WithTheMethodsThePathHasAndAnUnknownPathIs404() {
        let router = Router.make(
            "GET /v1/lectures/:id",
            "PATCH /v1/lectures/:id",
            "DELETE /v1/lectures/:id",
            "GET /v1/lectures/:id/upload"
        )
        guard case .wrongMethod(let allowed) = router.match(method: "PUT", path: "/v1/lectures/L1") else {
            Issue.record("not 405")
            return
        }
        #expect(allowed == ["DELETE", "GET", "PATCH"])
        guard case .none = router.match(method: "GET", path: "/v1/nothing") else {
            Issue.record("matched")
            return
        }
        guard case .none = router.match(method: "GET", path: "/v1/lectures/") else {
            Issue.record("an empty id matched")
            return
        }
    }

    @Test func theMethodsAtAPathAreTheRegisteredOnes() {
        let router = Router.make("GET /v1/lectures/:id/progress", "PUT /v1/lectures/:id/progress", "POST /v1/lectures")
        #expect(router.methods(at: "/v1/lectures/L1/progress") == ["GET", "PUT"])
        #expect(router.methods(at: "/v1/lectures") == ["POST"])
        #expect(router.methods(at: "/v1/elsewhere").isEmpty)
    }

    @Test func theLargestBodyLimitIsTheDefaultOrARoutesLarger() {
        var router = Router.make([("POST /small", .authenticated, 10), ("POST /large", .authenticated, 5_000)])
        #expect(router.largestBodyLimit(default: 1_000) == 5_000)
        router = Router.make([("POST /small", .authenticated, 10)])
        #expect(router.largestBodyLimit(default: 1_000) == 1_000)
    }
}
