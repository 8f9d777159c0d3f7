import Foundation

@testable import LecternAPI

// Fixtures for pure tests of the router and the request layers, in the style of FlyingFox's
// `HTTPRequest+Mock.swift`: every argument has a default, so a test names only what it is about.
extension APIRequest {
    static func make(
        _ method: String = "GET",
        _ path: String = "/",
        query: [String: String] = [:],
        headers: [String: String] = [:],
        body: Data = Data(),
        clientAddress: String? = nil
    ) -> APIRequest {
        APIRequest(method: method, path: path, query: query, headers: headers, body: body, clientAddress: clientAddress)
    }
}

extension RequestContext {
    /// The context the layers see: `request` as `router` matched it.
    static func make(
        _ request: APIRequest = .make(),
        router: Router = Router(),
        principal: Principal? = nil
    ) -> RequestContext {
        RequestContext(
            request: request,
            parameters: [:],
            principal: principal,
            match: router.match(method: request.method, path: request.path)
        )
    }
}

extension Router {
    /// A router whose every route answers 200 with its own pattern, so a test sees which one ran.
    static func make(_ routes: [(pattern: String, access: RouteAccess, bodyLimit: Int?)]) -> Router {
        var router = Router()
        for route in routes {
            router.add(route.pattern, access: route.access, bodyLimit: route.bodyLimit) { context in
                APIResponse(status: 200, body: Data(route.pattern.utf8), contentType: "text/plain")
            }
        }
        return router
    }

    static func make(_ patterns: String...) -> Router { make(patterns.map { ($0, RouteAccess.authenticated, nil) }) }
}

/// The end of a chain in a pure test: answers 200 and remembers the context it got.
final class RecordingHandler: Sendable {
    let seen = LockedBox<RequestContext?>(nil)
    var next: RequestNext {
        { [seen] context in
            seen.set(context)
            return APIResponse(status: 200)
        }
    }
}

final class LockedBox<Value: Sendable>: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ new: Value) { lock.withLock { value = new } }
    func get() -> Value { lock.withLock { value } }
}
