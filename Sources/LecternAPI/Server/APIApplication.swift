import AWS
import Foundation
import LecternCore
import Logging

/// The whole API as one value: request in, response out. The HTTP server calls `respond(to:)`, and so do tests,
/// in-process, with the same requests they send to a live server.
public struct APIApplication: Sendable {
    public let config: APIConfig
    public let services: APIServices
    public let authenticator: Authenticator
    public let metrics: APIMetrics
    let rateLimiter: RateLimiter
    /// Failed sign-ins per client (`ClientIdentity`): checked before a token is verified, charged when it fails.
    let failedSignIns: RateLimiter
    let router: Router
    let logger: Logger

    /// `recordCacheTTL`: how long answers that only show a lecture may reuse its record (see
    /// `LectureRecordCache`; at most 1 s, zero reads DynamoDB on every request).
    public init(config: APIConfig, services: APIServices, authenticator: Authenticator,
                metrics: APIMetrics = APIMetrics(), logger: Logger = Logger(label: "lectern-api"), recordCacheTTL: Duration = .zero) {
        self.config = config
        self.services = services
        self.authenticator = authenticator
        self.metrics = metrics
        self.logger = logger
        rateLimiter = RateLimiter(perMinute: config.writesPerMinute)
        failedSignIns = RateLimiter(perMinute: config.failedSignInsPerMinute)
        router = Self.routes(config: config, services: services, metrics: metrics, logger: logger,
                             recordCacheTTL: min(recordCacheTTL, .seconds(1)))
    }

    static func routes(config: APIConfig, services: APIServices, metrics: APIMetrics, logger: Logger,
                       recordCacheTTL: Duration = .zero) -> Router {
        let lectures = LectureHandlers(config: config, services: services, logger: logger, recordCacheTTL: recordCacheTTL)
        let playback = PlaybackHandlers(lectures: lectures)
        let ops = OpsHandlers(services: services)
        let edits = LectureEditHandlers(lectures: lectures)
        let courses = CourseHandlers(store: CourseStore(services.store), logger: logger)
        let activity = ActivityHandlers(lectures: lectures)
        let search = SearchHandlers(services: services)
        var router = Router()
        router.add("GET /healthz", access: .public_) { _ in .json(["status": "ok"]) }
        router.add("GET /readyz", access: .public_, ops.ready)
        // No /metrics here: `MetricsListener` serves it on a port of its own.
        router.add("GET /v1/openapi.json", access: .public_) { _ in
            APIResponse(status: 200, body: OpenAPIDocument.json, contentType: "application/json")
        }
        router.add("POST /v1/lectures", lectures.create)
        router.add("GET /v1/lectures/:id", lectures.get)
        router.add("DELETE /v1/lectures/:id", lectures.delete)
        router.add("GET /v1/lectures/:id/upload", lectures.uploadStatus)
        router.add("DELETE /v1/lectures/:id/upload", lectures.abort)
        router.add("POST /v1/lectures/:id/upload/parts", lectures.partURLBatch)
        router.add("POST /v1/lectures/:id/upload/complete", lectures.complete)
        router.add("POST /v1/lectures/:id/retry", lectures.retry)
        router.add("GET /v1/lectures/:id/hls/master.m3u8", access: .playback(lectureParameter: "id"), playback.master)
        router.add("GET /v1/lectures/:id/hls/:rendition.m3u8", access: .playback(lectureParameter: "id"), playback.media)
        router.add("GET /v1/lectures/:id/storyboard.vtt", access: .playback(lectureParameter: "id"), playback.storyboard)
        router.add("GET /v1/courses/:course/lectures", lectures.list)
        router.add("GET /v1/courses/:course/search", search.search)
        let captions = CaptionHandlers(lectures: lectures)
        router.add("GET /v1/lectures/:id/captions", captions.list)
        router.add("POST /v1/lectures/:id/captions", bodyLimit: CaptionHandlers.maxFileBytes, captions.add)
        router.add("PUT /v1/lectures/:id/captions/:trackId", bodyLimit: CaptionHandlers.maxFileBytes, captions.replace)
        router.add("PATCH /v1/lectures/:id/captions/:trackId", captions.patch)
        router.add("DELETE /v1/lectures/:id/captions/:trackId", captions.delete)
        router.add("GET /v1/lectures/:id/hls/captions/:track.m3u8", access: .playback(lectureParameter: "id"), playback.subtitles)
        router.add("PATCH /v1/lectures/:id", edits.edit)
        router.add("GET /v1/courses", courses.list)
        router.add("GET /v1/courses/:course", courses.get)
        router.add("PATCH /v1/courses/:course", courses.edit)
        router.add("GET /v1/courses/:course/activity", activity.get)
        router.add("POST /v1/courses/:course/visits", activity.visit)
        router.add("PUT /v1/lectures/:id/progress", activity.progress)
        router.add("GET /v1/ops/queue", ops.queue)
        let portalSettings = PortalSettings(localDevelopment: PortalSettings.isLocal(storage: services.s3.url(bucket: services.bucket)))
        router.add("GET /v1/portal/settings", access: .public_) { _ in .json(portalSettings) }
        router.add("POST /v1/ops/dlq/redrive", ops.redrive)
        if let files = config.portal {
            // Same origin as the API; media and uploads go to the bucket's origin, which the page's CSP must allow.
            let portal = PortalHandlers(files: files, mediaOrigin: PortalHeaders.origin(of: services.s3.url(bucket: services.bucket)))
            router.add("GET /", access: .public_, portal.index)
            router.add("GET /portal/:file", access: .public_, portal.asset)
        }
        return router
    }

    static let writeMethods: Set<String> = ["POST", "PUT", "PATCH", "DELETE"]

    /// The largest body any route takes (`Router.add(bodyLimit:)`): the engines read up to this, routes check their own.
    public var largestBodyLimit: Int { router.largestBodyLimit(default: config.maxBodyBytes) }

    public func respond(to request: APIRequest) async -> APIResponse {
        let started = ContinuousClock.now
        var routeName = "unmatched"
        var response: APIResponse
        do {
            response = try await dispatch(request, routeName: &routeName)
        } catch let problem as APIProblem {
            response = problem.response(instance: request.path)
        } catch let problem as APIConfigError {
            logger.error("configuration problem", metadata: ["error": "\(problem)"])
            response = APIProblem.internalError.response(instance: request.path)
        } catch let error as AWSError where error.isRetryable {
            logger.error("AWS unavailable", metadata: ["route": "\(routeName)", "error": "\(error)"])
            response = APIProblem.serviceUnavailable("a storage service is unavailable; try again shortly").response(instance: request.path)
        } catch {
            logger.error("request failed", metadata: ["route": "\(routeName)", "error": "\(error)"])
            response = APIProblem.internalError.response(instance: request.path)
        }
        addCORSHeaders(to: &response, for: request)
        if request.method == "HEAD" { response.body = Data() }
        metrics.record(route: routeName, method: request.method, status: response.status, duration: ContinuousClock.now - started)
        return response
    }

    private func dispatch(_ request: APIRequest, routeName: inout String) async throws -> APIResponse {
        if request.method == "OPTIONS", request.header("Origin") != nil, request.header("Access-Control-Request-Method") != nil {
            routeName = "preflight"
            return preflight(request)
        }
        guard request.body.count <= largestBodyLimit else {
            throw APIProblem.payloadTooLarge("request bodies are limited to \(largestBodyLimit) bytes")
        }
        let route: Router.Route, parameters: [String: String]
        switch router.match(method: request.method, path: request.path) {
        case .found(let found, let bound): (route, parameters) = (found, bound)
        case .wrongMethod(let allowed): throw APIProblem.methodNotAllowed(allowed)
        case .none: throw APIProblem.notFound("no resource at \(request.path)")
        }
        let bodyLimit = route.bodyLimit ?? config.maxBodyBytes
        guard request.body.count <= bodyLimit else {
            throw APIProblem.payloadTooLarge("request bodies are limited to \(bodyLimit) bytes")
        }
        routeName = route.name
        // A bearer token in a URL ends up in logs, history and caches: refused everywhere, whatever the route.
        if request.query["access_token"] != nil { throw APIProblem.tokenInQuery }
        var context = RequestContext(request: request, parameters: parameters, principal: nil)
        switch route.access {
        case .public_:
            break
        case .authenticated, .playback:
            // A client that keeps failing is refused before its token or grant costs a verification; requests
            // without a known client (in-process, FlyingFox) are not limited.
            let client = ClientIdentity.key(of: request, forwardedHops: config.forwardedHops)
            if let client, let wait = failedSignIns.retryAfter(client) { throw APIProblem.tooManyFailedSignIns(retryAfter: wait) }
            do {
                try await signIn(&context, access: route.access)
            } catch {
                // Whichever way the caller came (header or playback grant), a sign-in that throws is charged.
                if let client { failedSignIns.charge(client) }
                throw error
            }
        }
        if let principal = context.principal, Self.writeMethods.contains(request.method), let wait = rateLimiter.admit(principal.userID) {
            throw APIProblem.tooManyRequests(retryAfter: wait)
        }
        return try await route.handler(context)
    }

    /// Finds who the caller is as the route's access demands: the bearer token in the Authorization header, or, on
    /// a playback route without one, a playback grant for the lecture the path names.
    private func signIn(_ context: inout RequestContext, access: RouteAccess) async throws {
        let request = context.request
        if case .playback(let lectureParameter) = access, request.header("Authorization") == nil,
           let grant = request.query[PlaybackGrants.queryParameter] {
            // Players cannot add headers to playlist fetches: the link carries a grant for this lecture instead.
            context.principal = try config.playbackGrants.verify(grant, forLecture: context.parameters[lectureParameter] ?? "").principal
            context.playbackGrant = grant
        } else {
            context.principal = try await authenticator.authenticate(authorization: request.header("Authorization"))
        }
    }

    // MARK: CORS

    private func originAllowed(_ request: APIRequest) -> String? {
        guard let origin = request.header("Origin"), let allowed = config.corsOrigin, origin == allowed else { return nil }
        return origin
    }

    private func preflight(_ request: APIRequest) -> APIResponse {
        guard let origin = originAllowed(request) else {
            return APIProblem.forbidden("cross-origin requests from this origin are not allowed").response()
        }
        return APIResponse(status: 204, headers: [
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE, OPTIONS",
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        ])
    }

    private func addCORSHeaders(to response: inout APIResponse, for request: APIRequest) {
        guard let origin = originAllowed(request) else { return }
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Location, Retry-After"
        response.headers["Vary"] = "Origin"
    }
}
