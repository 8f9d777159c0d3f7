/// Writes per signed-in user (`LECTERN_WRITES_PER_MINUTE`). A write is any method that is not safe in
/// RFC 9110 §9.2.1's sense, so a new PUT or PATCH route is limited without being listed.
struct WriteRateLimitLayer: RequestCheck {
    let limiter: RateLimiter

    static let safeMethods: Set<String> = ["GET", "HEAD", "OPTIONS", "TRACE"]

    func check(_ context: inout RequestContext) throws {
        if let principal = context.principal, !Self.safeMethods.contains(context.request.method),
            let wait = limiter.admit(principal.userID)
        {
            throw APIProblem.tooManyRequests(retryAfter: wait)
        }
    }
}
