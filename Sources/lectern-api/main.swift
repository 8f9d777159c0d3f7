import AWS
import Foundation
import LecternAPI
import LecternCore
import Logging
import ServiceLifecycle

// lectern-api: configuration from the environment (validated first), AWS clients from the environment, HTTP on
// $PORT, Prometheus metrics on $METRICS_PORT, the outbox sweeper beside them, graceful shutdown on SIGTERM or SIGINT.
let logger = Logger(label: "lectern-api")
do {
    let config = try APIConfig.fromEnvironment()
    let outboxSettings = try OutboxSweeper.Settings.fromEnvironment()
    let deadLetterSettings = try DeadLetterSweeper.Settings.fromEnvironment()
    let recordCacheTTL = try APIApplication.recordCacheTTL(fromEnvironment: ProcessInfo.processInfo.environment)
    let context = try AWSContext.fromEnvironment()
    let services = try await APIServices.connect(config: config, context: context)
    let authenticator = try await Authenticator(
        source: config.keySource,
        issuer: config.issuer,
        audience: config.audience,
        limits: config.tokenLimits,
        transport: context.transport
    )
    if config.playbackKey.origin == .generated {
        logger.notice(
            """
            LECTERN_PLAYBACK_KEY is not set: playback grants are signed with a key made for this process, \
            so only this task accepts them; give every API task behind a load balancer the same key
            """
        )
    }
    let application = APIApplication(
        config: config,
        services: services,
        authenticator: authenticator,
        logger: logger,
        recordCacheTTL: recordCacheTTL
    )
    let server = try APIServer(application: application, host: config.engine.host, port: config.port, logger: logger)
    let metricsListener = MetricsListener(
        metrics: application.metrics,
        host: config.metricsHost,
        port: config.metricsPort,
        logger: logger
    )
    logger.info("lectern-api listening", metadata: ["host": "\(config.engine.host ?? "*")", "port": "\(config.port)"])
    // Logged once bound, so METRICS_PORT=0 (a free port, for tests and local runs) says which one it got.
    Task {
        try await metricsListener.waitUntilListening(timeout: .seconds(30))
        logger.info(
            "metrics listening",
            metadata: ["host": "\(config.metricsHost ?? "*")", "port": "\(metricsListener.port ?? 0)"]
        )
    }
    // The sweepers send jobs whose enqueue was cut short by a crash or whose worker and message both vanished (see
    // JobOutbox), and fail the lectures whose jobs SQS moved to the dead-letter queue (see DeadLetterSweep).
    let sweeper = OutboxSweeper(outbox: JobOutbox(services: services), settings: outboxSettings, logger: logger)
    let outcomeMail =
        config.outcomeMail == .off
        ? nil
        : LectureOutcomeNotifier(settings: config.outcomeMail, ses: SESClient(context: context), store: services.store)
    let deadLetters = DeadLetterSweeper(
        services: services,
        settings: deadLetterSettings,
        logger: logger,
        outcomeMail: outcomeMail
    )
    // Stopped in reverse order: the sweepers, then the API drains, then metrics (scrapable until the end).
    let group = ServiceGroup(
        configuration: .init(
            services: [
                .init(service: metricsListener), .init(service: server), .init(service: sweeper),
                .init(service: deadLetters),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
    )
    try await group.run()
} catch let error as APIConfigError {
    FileHandle.standardError.write(Data((error.description + "\n").utf8))
    exit(2)
} catch {
    FileHandle.standardError.write(Data("lectern-api: \(error)\n".utf8))
    exit(1)
}
