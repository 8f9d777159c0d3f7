import AWS
import Foundation
import LecternAPI
import Logging
import ServiceLifecycle

// lectern-api: configuration from the environment (validated first), AWS clients from the environment, HTTP on
// $PORT, the outbox sweeper beside it, graceful shutdown on SIGTERM or SIGINT.
let logger = Logger(label: "lectern-api")
do {
    let config = try APIConfig.fromEnvironment()
    let outboxSettings = try OutboxSweeper.Settings.fromEnvironment()
    let deadLetterSettings = try DeadLetterSweeper.Settings.fromEnvironment()
    let recordCacheTTL = try APIApplication.recordCacheTTL(fromEnvironment: ProcessInfo.processInfo.environment)
    let context = try AWSContext.fromEnvironment()
    let services = try await APIServices.connect(config: config, context: context)
    let authenticator = try await Authenticator(source: config.keySource, issuer: config.issuer, audience: config.audience,
                                                transport: context.transport)
    let application = APIApplication(config: config, services: services, authenticator: authenticator, logger: logger,
                                     recordCacheTTL: recordCacheTTL)
    let server = try APIServer(application: application, port: config.port, logger: logger)
    logger.info("lectern-api listening", metadata: ["port": "\(config.port)"])
    // The sweepers send jobs whose enqueue was cut short by a crash or whose worker and message both vanished (see
    // JobOutbox), and fail the lectures whose jobs SQS moved to the dead-letter queue (see DeadLetterSweep).
    let sweeper = OutboxSweeper(outbox: JobOutbox(services: services), settings: outboxSettings, logger: logger)
    let deadLetters = DeadLetterSweeper(services: services, settings: deadLetterSettings, logger: logger)
    let group = ServiceGroup(configuration: .init(services: [.init(service: server), .init(service: sweeper), .init(service: deadLetters)],
                                                  gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
} catch let error as APIConfigError {
    FileHandle.standardError.write(Data((error.description + "\n").utf8))
    exit(2)
} catch {
    FileHandle.standardError.write(Data("lectern-api: \(error)\n".utf8))
    exit(1)
}
