import Foundation

/// HEAD is answered as GET without the body (RFC 9110 §9.3.2); the router lets HEAD match GET routes.
struct HeadLayer: RequestLayer {
    func handle(_ context: RequestContext, next: RequestNext) async throws -> APIResponse {
        var response = try await next(context)
        if context.request.method == "HEAD" { response.body = Data() }
        return response
    }
}
