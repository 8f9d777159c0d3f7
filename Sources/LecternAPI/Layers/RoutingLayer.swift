/// Refuses requests no route takes (404, or 405 with the methods the path has) and hands the matched route's
/// path parameters on. The router matched once, before the chain (`APIApplication.respond`), so the outer layers
/// can read the route too.
struct RoutingLayer: RequestCheck {
    func check(_ context: inout RequestContext) throws {
        switch context.match {
        case .found(_, let parameters):
            context.parameters = parameters
        case .wrongMethod(let allowed):
            throw APIProblem.methodNotAllowed(allowed)
        case .none:
            throw APIProblem.notFound("no resource at \(context.request.path)")
        }
    }
}
