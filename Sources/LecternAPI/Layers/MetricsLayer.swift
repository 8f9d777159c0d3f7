/// Outermost: counts and times every answer by route template (`APIMetrics`), including the problems and
/// preflights the inner layers produce. Timed from `RequestContext.received` (routing included).
struct MetricsLayer: ResponseFilter {
    let metrics: APIMetrics

    func filter(_ response: inout APIResponse, for context: RequestContext) {
        // Labels from a closed set: a route's template, or one of two fixed names.
        let route = CORSLayer.isPreflight(context.request) ? "preflight" : context.route?.name ?? "unmatched"
        metrics.record(
            route: route,
            method: context.request.method,
            status: response.status,
            duration: ContinuousClock.now - context.received
        )
    }
}
