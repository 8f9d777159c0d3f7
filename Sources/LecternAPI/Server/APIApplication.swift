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
    /// The layers folded around the route handlers (`layers(...)`).
    private let chain: RequestNext

    /// `recordCacheTTL`: how long answers that only show a lecture may reuse its record (see
    /// `LectureRecordCache`; at most 1 s, zero reads DynamoDB on every request). `clock`: the time the rate limits
    /// refill in (tests advance their own).
    public init(
        config: APIConfig,
        services: APIServices,
        authenticator: Authenticator,
        metrics: APIMetrics = APIMetrics(),
        logger: Logger = Logger(label: "lectern-api"),
        recordCacheTTL: Duration = .zero,
        clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.config = config
        self.services = services
        self.authenticator = authenticator
        self.metrics = metrics
        self.logger = logger
        rateLimiter = RateLimiter(perMinute: config.writesPerMinute, clock: clock)
        failedSignIns = RateLimiter(perMinute: config.failedSignInsPerMinute, clock: clock)
        router = Self.routes(
            config: config,
            services: services,
            metrics: metrics,
            logger: logger,
            recordCacheTTL: min(recordCacheTTL, .seconds(1))
        )
        chain = RequestLayers.chain(
            Self.layers(
                config: config,
                router: router,
                authenticator: authenticator,
                metrics: metrics,
                logger: logger,
                rateLimiter: rateLimiter,
                failedSignIns: failedSignIns
            ),
            around: RequestLayers.routeHandler
        )
    }

    static func routes(
        config: APIConfig,
        services: APIServices,
        metrics: APIMetrics,
        logger: Logger,
        recordCacheTTL: Duration = .zero
    ) -> Router {
        let lectures = LectureHandlers(
            config: config,
            services: services,
            logger: logger,
            recordCacheTTL: recordCacheTTL
        )
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
        router.add(
            "GET /v1/lectures/:id/hls/:rendition.m3u8",
            access: .playback(lectureParameter: "id"),
            playback.media
        )
        router.add(
            "GET /v1/lectures/:id/storyboard.vtt",
            access: .playback(lectureParameter: "id"),
            playback.storyboard
        )
        router.add("GET /v1/courses/:course/lectures", lectures.list)
        router.add("GET /v1/courses/:course/search", search.search)
        let captions = CaptionHandlers(lectures: lectures)
        router.add("GET /v1/lectures/:id/captions", captions.list)
        router.add("POST /v1/lectures/:id/captions", bodyLimit: CaptionHandlers.maxFileBytes, captions.add)
        router.add("PUT /v1/lectures/:id/captions/:trackId", bodyLimit: CaptionHandlers.maxFileBytes, captions.replace)
        router.add("PATCH /v1/lectures/:id/captions/:trackId", captions.patch)
        router.add("DELETE /v1/lectures/:id/captions/:trackId", captions.delete)
        router.add(
            "GET /v1/lectures/:id/hls/captions/:track.m3u8",
            access: .playback(lectureParameter: "id"),
            playback.subtitles
        )
        router.add("PATCH /v1/lectures/:id", edits.edit)
        router.add("GET /v1/courses", courses.list)
        router.add("GET /v1/courses/:course", courses.get)
        router.add("PATCH /v1/courses/:course", courses.edit)
        router.add("GET /v1/courses/:course/activity", activity.get)
        router.add("POST /v1/courses/:course/visits", activity.visit)
        router.add("PUT /v1/lectures/:id/progress", activity.progress)
        router.add("GET /v1/ops/queue", ops.queue)
        router.add("GET /v1/me") { context in try CallerView.handle(context) }
        let portalSettings = PortalSettings(
            localDevelopment: PortalSettings.isLocal(storage: services.s3.url(bucket: services.bucket))
        )
        router.add("GET /v1/portal/settings", access: .public_) { _ in .json(portalSettings) }
        router.add("POST /v1/ops/dlq/redrive", ops.redrive)
        if let files = config.portal {
            // Same origin as the API; media and uploads go to the bucket's origin, which the page's CSP must allow.
            let portal = PortalHandlers(
                files: files,
                mediaOrigin: PortalHeaders.origin(of: services.s3.url(bucket: services.bucket))
            )
            router.add("GET /", access: .public_, portal.index)
            router.add("GET /portal/:file", access: .public_, portal.asset)
        }
        return router
    }

    /// The largest body any route takes (`Router.add(bodyLimit:)`): the engine reads up to this, routes check their
    /// own.
    public var largestBodyLimit: Int { router.largestBodyLimit(default: config.maxBodyBytes) }

    /// The request path, outermost first; each layer is one concern in a file of its own (`Layers/`), and reads
    /// what the matched route declares. Built once.
    static func layers(
        config: APIConfig,
        router: Router,
        authenticator: Authenticator,
        metrics: APIMetrics,
        logger: Logger,
        rateLimiter: RateLimiter,
        failedSignIns: RateLimiter
    ) -> [any RequestLayer] {
        [
            MetricsLayer(metrics: metrics),
            HeadLayer(),
            CORSLayer(allowedOrigin: config.corsOrigin, router: router),
            ProblemLayer(logger: logger),
            BodyLimitLayer(
                defaultLimit: config.maxBodyBytes,
                largestLimit: router.largestBodyLimit(default: config.maxBodyBytes)
            ),
            RoutingLayer(),
            QueryTokenLayer(),
            AuthenticationLayer(
                authenticator: authenticator,
                playbackGrants: config.playbackGrants,
                failedSignIns: failedSignIns,
                forwardedHops: config.forwardedHops
            ),
            WriteRateLimitLayer(limiter: rateLimiter),
        ]
    }

    public func respond(to request: APIRequest) async -> APIResponse {
        let context = RequestContext(
            request: request,
            parameters: [:],
            principal: nil,
            match: router.match(method: request.method, path: request.path)
        )
        do {
            return try await chain(context)
        } catch {
            // Unreachable: `ProblemLayer` answers every error; kept so a reordered chain still answers.
            logger.error("request failed outside the problem layer", metadata: ["error": "\(error)"])
            return APIProblem.internalError.response(instance: request.path)
        }
    }
}
