// lectern-worker: receives encode jobs from SQS and publishes adaptive streams (see LecternWorker.Worker).
import AWS
import Foundation
import LecternCore
import LecternWorker
import Logging

let environment = ProcessInfo.processInfo.environment
let level = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
LoggingSystem.bootstrap { label in
    var handler = JSONLogHandler(label: label)
    handler.logLevel = level
    return handler
}
let logger = Logger(label: "lectern-worker")

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("lectern-worker: \(message)\n".utf8))
    exit(2)
}

let configuration: WorkerConfiguration
let context: AWSContext
let captions: CaptionDraftSettings
let mail: LectureMailSettings
do {
    configuration = try WorkerConfiguration.fromEnvironment(environment)
    captions = try CaptionDraftSettings.fromEnvironment(environment)
    mail = try LectureMailSettings.fromEnvironment(environment)
    context = try AWSContext.fromEnvironment(environment)
} catch {
    fail("configuration: \(error)")
}

let metrics = WorkerMetrics()
// A finished Transcribe draft becomes the lecture's machine caption track through the caption publisher.
let captionImporter = PublishMachineTrack(
    store: LectureStore(dynamo: DynamoDBClient(context: context), table: configuration.table),
    s3: S3Client(context: context),
    bucket: configuration.bucket
)
let worker = Worker(
    configuration: configuration,
    context: context,
    logger: logger,
    metrics: metrics,
    captions: captions,
    captionImporter: captionImporter,
    mail: mail
)

// SIGTERM (ECS, docker stop) and SIGINT (Ctrl-C) start a graceful shutdown; a second signal does not kill us:
// the grace is already bounded.
let signalSources = [SIGTERM, SIGINT].map { number in
    signal(number, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
    source.setEventHandler { Task { await worker.shutdown() } }
    source.resume()
    return source
}

// Under `lectern dev workers`: stop (gracefully, as on SIGTERM) when the supervisor is gone.
let supervisorWatch = SupervisorWatch.supervisorPID(environment).map { supervisor in
    SupervisorWatch.start(supervisor: supervisor) {
        logger.notice("supervisor is gone; shutting down", metadata: ["supervisorPid": "\(supervisor)"])
        await worker.shutdown()
    }
}

// METRICS_PORT=0 picks a free port (logged), for tests and local pools.
var metricsServer: MetricsServer?
if let port = configuration.metricsPort {
    let server = MetricsServer(port: UInt16(port), metrics: metrics, logger: logger)
    metricsServer = server
    Task {
        do { try await server.run() } catch { logger.error("metrics server stopped", metadata: ["error": "\(error)"]) }
    }
    Task {
        if let bound = try? await server.listeningPort() {
            logger.info("metrics listening", metadata: ["port": "\(bound)"])
        }
    }
}

do {
    try await worker.run()
} catch {
    logger.critical("worker could not start", metadata: ["error": "\(error)"])
    exit(1)
}
// Scraped until the worker has drained; a scrape in flight gets its answer (at most `MetricsServer.stopGrace`).
await metricsServer?.stop()
_ = signalSources
supervisorWatch?.cancel()
exit(0)
