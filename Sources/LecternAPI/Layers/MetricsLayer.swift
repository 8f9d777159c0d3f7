/// Outermost: counts and times every answer by route template (`APIMetrics`), including the problems and
/// preflights the inner layers produce.
struct MetricsLayer: RequestLayer {
    let metrics: APIMetrics

    func handle(_ context: RequestContext, next: RequestNext) async throws -> APIResponse {
        let started = ContinuousClock.now
        let response = try await next(context)
        // Labels from a closed set: a route's template, or one of two fixed names.
        let route = CORSLayer.isPreflight(context.request) ? "preflight" : context.route?.name ?? "unmatched"
        metrics.record(
            route: route,
            method: context.request.method,
            status: response.status,
            duration: ContinuousClock.now - started
        )
        return response
    }
}
