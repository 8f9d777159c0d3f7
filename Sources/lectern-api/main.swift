import AWS
import Foundation
import LecternAPI
import Logging
import ServiceLifecycle

// lectern-api: configuration from the environment (validated first), AWS clients from the environment, HTTP on
// $PORT, graceful shutdown on SIGTERM or SIGINT.
let logger = Logger(label: "lectern-api")
do {
    let config = try APIConfig.fromEnvironment()
    let context = try AWSContext.fromEnvironment()
    let services = try await APIServices.connect(config: config, context: context)
    let authenticator = try await Authenticator(source: config.keySource, issuer: config.issuer, audience: config.audience,
                                                transport: context.transport)
    let application = APIApplication(config: config, services: services, authenticator: authenticator, logger: logger)
    let server = try APIServer(application: application, port: config.port, logger: logger)
    logger.info("lectern-api listening", metadata: ["port": "\(config.port)"])
    let group = ServiceGroup(configuration: .init(services: [.init(service: server)],
                                                  gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
} catch let error as APIConfigError {
    FileHandle.standardError.write(Data((error.description + "\n").utf8))
    exit(2)
} catch {
    FileHandle.standardError.write(Data("lectern-api: \(error)\n".utf8))
    exit(1)
}
