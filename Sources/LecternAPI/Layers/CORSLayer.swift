/// Cross-origin access for the one configured portal origin (`LECTERN_CORS_ORIGIN`), as Hummingbird's
/// `CORSMiddleware` does it: answers preflights itself and adds the allow headers to every other answer.
/// The methods a preflight allows are the ones the router has for that path, so a new PUT or PATCH route
/// needs no list kept here.
struct CORSLayer: RequestLayer {
    /// nil: no cross-origin access at all.
    let allowedOrigin: String?
    let router: Router

    static func isPreflight(_ request: APIRequest) -> Bool {
        request.method == "OPTIONS" && request.header("Origin") != nil
            && request.header("Access-Control-Request-Method") != nil
    }

    func handle(_ context: RequestContext, next: RequestNext) async throws -> APIResponse {
        let origin = context.request.header("Origin").flatMap { $0 == allowedOrigin ? $0 : nil }
        var response: APIResponse
        if Self.isPreflight(context.request) {
            guard let origin else {
                return APIProblem.forbidden("cross-origin requests from this origin are not allowed").response()
            }
            response = APIResponse(
                status: 204,
                headers: [
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Methods": (router.methods(at: context.request.path) + ["OPTIONS"]).joined(
                        separator: ", "
                    ),
                    "Access-Control-Allow-Headers": "Authorization, Content-Type",
                    "Access-Control-Max-Age": "600",
                ]
            )
        } else {
            response = try await next(context)
        }
        guard let origin else { return response }
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Location, Retry-After"
        response.headers["Vary"] = "Origin"
        return response
    }
}
