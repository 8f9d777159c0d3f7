import AWS
import ArgumentParser
import Dispatch
import Foundation
import LecternCore
import LocalPlatform

/// `lectern dev workers`: a local worker pool sized by the same `ScalingPolicy` the ECS deployment uses.
struct DevWorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "Start and stop lectern-worker processes by the deployment's backlog-per-worker rule.",
        discussion: """
            Every --interval it reads the queue's waiting and in-flight counts and asks ScalingPolicy for the next \
            size. Scaling in sends SIGTERM to the idlest worker (by its lectern_worker_jobs_running metric) and lets \
            it drain. A worker that dies unexpectedly is restarted. SIGINT/SIGTERM: every worker gets SIGTERM, the \
            pool waits for them and exits 0. Workers inherit this environment (LECTERN_QUEUE_URL, LECTERN_BUCKET, \
            LECTERN_LECTURES_TABLE, AWS_*), each with its own METRICS_PORT and LECTERN_SCRATCH_DIR. The cooldowns \
            default shorter than the deployment's (\(ScalingPolicy.defaultScaleOutCooldownSeconds)s / \
            \(ScalingPolicy.defaultScaleInCooldownSeconds)s) so a laptop frees its cores sooner; the rule is the same.
            """
    )

    @Option(help: "Fewest workers.")
    var min: Int = 0

    @Option(help: "Most workers.")
    var max: Int

    @Option(help: "How often to look at the queue.")
    var interval: DevDuration = DevDuration(seconds: 5)

    @Option(help: "The lectern-worker executable (default: the one next to lectern).")
    var worker: String?

    @Option(help: "The jobs queue's URL (default: $LECTERN_QUEUE_URL).")
    var queue: String?

    @Option(help: "Jobs (waiting + in flight) per worker the pool aims for.")
    var targetBacklog: Int = ScalingPolicy.defaultTargetBacklogPerWorker

    @Option(help: "Least time after a change before scaling out again (leaving zero never waits).")
    var scaleOutCooldown: DevDuration = DevDuration(seconds: 10)

    @Option(help: "Least time after a change before scaling in.")
    var scaleInCooldown: DevDuration = DevDuration(seconds: 30)

    @Option(help: "Folder for the workers' scratch folders (default: a new temporary folder).")
    var scratchDir: String?

    @Option(help: "Write each worker's output to DIR/worker-N.log (default: this process's output).")
    var logDir: String?

    func validate() throws {
        if min < 0 { throw ValidationError("--min must be 0 or more") }
        if max < 1 || max < min { throw ValidationError("--max must be at least 1 and at least --min") }
        if max > 64 { throw ValidationError("--max must be at most 64") }
        if targetBacklog < 1 { throw ValidationError("--target-backlog must be at least 1") }
        if interval.seconds < 0.1 { throw ValidationError("--interval must be at least 100ms") }
        if let worker, !FileManager.default.isExecutableFile(atPath: worker) {
            throw ValidationError("--worker \(worker) is not an executable file")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let queueURL = queue ?? environment["LECTERN_QUEUE_URL"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError(
                "no queue: pass --queue or set LECTERN_QUEUE_URL (eval \"$(lectern dev bootstrap)\" sets it)"
            )
        }
        let executable = try worker ?? Self.siblingWorker()
        let scratchRoot = scratchDir ?? NSTemporaryDirectory() + "lectern-dev-workers-\(getpid())"
        if let logDir { try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true) }
        var childEnvironment = environment
        childEnvironment["LECTERN_QUEUE_URL"] = queueURL
        let grace = environment["LECTERN_SHUTDOWN_GRACE_SECONDS"].flatMap { Int($0) } ?? 25
        let policy = ScalingPolicy(
            targetBacklogPerWorker: targetBacklog,
            minWorkers: min,
            maxWorkers: max,
            scaleOutCooldownSeconds: Int(scaleOutCooldown.seconds.rounded()),
            scaleInCooldownSeconds: Int(scaleInCooldown.seconds.rounded())
        )
        let context = try AWSContext.fromEnvironment(environment)
        let pool = DevWorkerPool(
            settings: .init(
                executable: executable,
                queueURL: queueURL,
                planner: WorkerPoolPlanner(policy: policy),
                interval: interval.duration,
                environment: childEnvironment,
                scratchRoot: scratchRoot,
                logDirectory: logDir,
                stopTimeout: .seconds(grace + 15)
            ),
            sqs: SQSClient(context: context),
            transport: context.transport
        )

        let work = Task { await pool.run() }
        let stoppers = cancellingOnStopSignals(work)
        defer { stoppers.forEach { $0.cancel() } }
        await work.value
        if scratchDir == nil { try? FileManager.default.removeItem(atPath: scratchRoot) }
    }

    /// `lectern-worker` in the folder this `lectern` runs from.
    static func siblingWorker() throws -> String {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let path = me.deletingLastPathComponent().appendingPathComponent("lectern-worker").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidationError(
                "no lectern-worker next to lectern (\(path)); build it (swift build) or pass --worker PATH"
            )
        }
        return path
    }
}
