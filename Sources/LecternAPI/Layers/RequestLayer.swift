/// The rest of the request path after a layer: the next layer, or at the end the route's handler.
public typealias RequestNext = @Sendable (RequestContext) async throws -> APIResponse

/// One cross-cutting concern of the request path (CORS, a rate limit, authentication, …), in the shape of
/// Hummingbird's `MiddlewareProtocol`: it may answer by itself, change the context it hands on, or change the
/// response that comes back. Layers read what the matched route declares (`context.route`: its access, its body
/// limit) and never recognise a route by its name.
public protocol RequestLayer: Sendable {
    func handle(_ context: RequestContext, next: RequestNext) async throws -> APIResponse
}

/// A layer that only looks at the request on its way in: it hands it on (perhaps with more in its context) or
/// throws. `RequestLayers.chain` runs a run of checks as one step: every async layer costs the engine's task a
/// `swift_task_switch`, which under a task executor preference takes a lock (6-7 % of the API's CPU under GET load
/// with nine async layers, issue #18's profile). Alone, a check is still a layer (`handle` below).
public protocol RequestCheck: RequestLayer {
    func check(_ context: inout RequestContext) throws
}

extension RequestCheck {
    public func handle(_ context: RequestContext, next: RequestNext) async throws -> APIResponse {
        var context = context
        try check(&context)
        return try await next(context)
    }
}

/// A layer that only changes the response on its way out (a header, the body of a HEAD). A run of filters is one
/// step of the chain, as a run of checks is; the innermost filter of the run sees the response first, as layers do.
public protocol ResponseFilter: RequestLayer {
    func filter(_ response: inout APIResponse, for context: RequestContext)
}

extension ResponseFilter {
    public func handle(_ context: RequestContext, next: RequestNext) async throws -> APIResponse {
        var response = try await next(context)
        filter(&response, for: context)
        return response
    }
}

enum RequestLayers {
    /// Folds `layers` around `handler` once, outermost first: `[a, b]` runs a, then b, then the handler. Adjacent
    /// checks (and adjacent filters) share one step, in their declared order; other layers get one each.
    static func chain(_ layers: [any RequestLayer], around handler: @escaping RequestNext) -> RequestNext {
        var next = handler
        var checks: [any RequestCheck] = []
        var filters: [any ResponseFilter] = []
        func foldChecks() {
            guard !checks.isEmpty else { return }
            let run = checks, inner = next
            next = { context in
                var context = context
                for check in run { try check.check(&context) }
                return try await inner(context)
            }
            checks = []
        }
        func foldFilters() {
            guard !filters.isEmpty else { return }
            let run = filters, inner = next
            next = { context in
                var response = try await inner(context)
                for filter in run.reversed() { filter.filter(&response, for: context) }
                return response
            }
            filters = []
        }
        for layer in layers.reversed() {
            if let check = layer as? any RequestCheck {
                foldFilters()
                checks.insert(check, at: 0)
            } else if let filter = layer as? any ResponseFilter {
                foldChecks()
                filters.insert(filter, at: 0)
            } else {
                foldChecks()
                foldFilters()
                let inner = next
                next = { context in try await layer.handle(context, next: inner) }
            }
        }
        foldChecks()
        foldFilters()
        return next
    }

    /// The end of every chain: the matched route's handler (`RoutingLayer` has refused requests without one).
    static let routeHandler: RequestNext = { context in
        guard let route = context.route else { throw APIProblem.notFound("no resource at \(context.request.path)") }
        return try await route.handler(context)
    }
}
