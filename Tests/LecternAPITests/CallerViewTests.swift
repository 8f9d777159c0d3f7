import Foundation
import Testing

@testable import LecternAPI

/// `GET /v1/me`, added by following docs/ARCHITECTURE.md's "How to add an API endpoint": the handler alone, then
/// through the application's own chain (the route declares bearer access), without moto.
@Suite("GET /v1/me (pure)") struct CallerViewTests {
    @Test func theCallerIsShownWithSortedCourses() throws {
        let caller = Principal(userID: "prof-1", name: "Ada", role: .professor, courses: ["MA201", "CS101"])
        let response = try CallerView.handle(.make(principal: caller))
        let body = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        #expect(response.status == 200 && body["userId"] as? String == "prof-1" && body["name"] as? String == "Ada")
        #expect(body["role"] as? String == "professor" && body["courses"] as? [String] == ["CS101", "MA201"])
    }

    @Test func theRouteNeedsABearerToken() async throws {
        var router = Router()
        router.add("GET /v1/me") { context in try CallerView.handle(context) }
        let layer = try await RequestLayerTests.authentication()
        let chain = RequestLayers.chain([RoutingLayer(), layer], around: RequestLayers.routeHandler)
        await #expect { try await chain(.make(.make("GET", "/v1/me"), router: router)) } throws: {
            ($0 as? APIProblem)?.status == 401
        }
        let response = try await chain(
            .make(
                .make("GET", "/v1/me", headers: try await RequestLayerTests.bearer(.student, user: "s-9")),
                router: router
            )
        )
        #expect(String(decoding: response.body, as: UTF8.self).contains(#""userId":"s-9""#))
    }
}
