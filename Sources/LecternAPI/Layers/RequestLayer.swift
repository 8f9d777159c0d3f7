/// The rest of the request path after a layer: the next layer, or at the end the route's handler.
public typealias RequestNext = @Sendable (RequestContext) async throws -> APIResponse

/// One cross-cutting concern of the request path (CORS, a rate limit, authentication, …), in the shape of
/// Hummingbird's `MiddlewareProtocol`: it may answer by itself, change the context it hands on, or change the
/// response that comes back. Layers read what the matched route declares (`context.route`: its access, its body
/// limit) and never recognise a route by its name.
public protocol RequestLayer: Sendable {
    func handle(_ context: RequestContext, next: RequestNext) async throws -> APIResponse
}

enum RequestLayers {
    /// Folds `layers` around `handler` once, outermost first: `[a, b]` runs a, then b, then the handler.
    static func chain(_ layers: [any RequestLayer], around handler: @escaping RequestNext) -> RequestNext {
        layers.reversed().reduce(handler) { next, layer in
            { context in try await layer.handle(context, next: next) }
        }
    }

    /// The end of every chain: the matched route's handler (`RoutingLayer` has refused requests without one).
    static let routeHandler: RequestNext = { context in
        guard let route = context.route else { throw APIProblem.notFound("no resource at \(context.request.path)") }
        return try await route.handler(context)
    }
}
