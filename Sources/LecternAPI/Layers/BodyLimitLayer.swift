/// Refuses bodies larger than the matched route takes (`Router.add(bodyLimit:)`, else `APIConfig.maxBodyBytes`),
/// and, before routing is judged, larger than any route takes (what the engine was allowed to read).
struct BodyLimitLayer: RequestCheck {
    let defaultLimit: Int
    let largestLimit: Int

    func check(_ context: inout RequestContext) throws {
        let size = context.request.body.count
        guard size <= largestLimit else {
            throw APIProblem.payloadTooLarge("request bodies are limited to \(largestLimit) bytes")
        }
        if let route = context.route {
            let limit = route.bodyLimit ?? defaultLimit
            guard size <= limit else {
                throw APIProblem.payloadTooLarge("request bodies are limited to \(limit) bytes")
            }
        }
    }
}
