/// Finds who the caller is as the route's `RouteAccess` demands: nobody on public routes, the bearer token in the
/// Authorization header, or on a playback route without one a playback grant for the lecture the path names.
/// A client that keeps failing is refused before its token or grant costs a verification.
struct AuthenticationLayer: RequestLayer {
    let authenticator: Authenticator
    let playbackGrants: PlaybackGrants
    /// Failed sign-ins per client (`ClientIdentity`): checked before a token is verified, charged when it fails.
    let failedSignIns: RateLimiter
    let forwardedHops: Int

    func handle(_ context: RequestContext, next: RequestNext) async throws -> APIResponse {
        guard let access = context.route?.access else { return try await next(context) }
        if case .public_ = access { return try await next(context) }
        // Requests without a known client (built in-process) are not limited.
        let client = ClientIdentity.key(of: context.request, forwardedHops: forwardedHops)
        if let client, let wait = failedSignIns.retryAfter(client) {
            throw APIProblem.tooManyFailedSignIns(retryAfter: wait)
        }
        var context = context
        do {
            try await signIn(&context, access: access)
        } catch {
            // Whichever way the caller came (header or playback grant), a sign-in that throws is charged.
            if let client { failedSignIns.charge(client) }
            throw error
        }
        return try await next(context)
    }

    private func signIn(_ context: inout RequestContext, access: RouteAccess) async throws {
        let request = context.request
        if case .playback(let lectureParameter) = access, request.header("Authorization") == nil,
            let grant = request.query[PlaybackGrants.queryParameter]
        {
            // Players cannot add headers to playlist fetches: the link carries a grant for this lecture instead.
            context.principal = try playbackGrants.verify(grant, forLecture: context.parameters[lectureParameter] ?? "")
                .principal
            context.playbackGrant = grant
        } else {
            context.principal = try await authenticator.authenticate(authorization: request.header("Authorization"))
        }
    }
}
