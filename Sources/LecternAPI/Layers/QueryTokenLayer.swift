/// A bearer token in a URL ends up in logs, history and caches: `?access_token=` is refused everywhere, whatever
/// the route (players use the playback grant, `?grant=`).
struct QueryTokenLayer: RequestCheck {
    func check(_ context: inout RequestContext) throws {
        if context.request.query["access_token"] != nil { throw APIProblem.tokenInQuery }
    }
}
