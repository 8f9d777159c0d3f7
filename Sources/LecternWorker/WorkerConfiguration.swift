import AWS
import Foundation
import LecternCore

/// Everything a worker needs to know, read from the environment (see `fromEnvironment`) or built by tests.
public struct WorkerConfiguration: Sendable {
    public var queueURL: String
    public var bucket: String
    public var table: String
    /// Jobs encoded at the same time.
    public var concurrency: Int
    /// Each job gets its own folder under this one.
    public var scratchDirectory: String
    /// How long running jobs may finish after SIGTERM before they are released.
    public var shutdownGrace: Duration
    public var workerID: String
    /// Seconds each heartbeat hides the message for (and the lease lasts); heartbeats come three times as often.
    public var visibilitySeconds: Int
    /// Least time between two progress writes to the record.
    public var progressInterval: Duration
    /// Long-poll wait (SQS allows up to 20 s).
    public var receiveWaitSeconds: Int
    /// The dead-letter queue for permanent failures; nil finds it from the queue's RedrivePolicy.
    public var deadLetterQueueURL: String?
    /// Encodes that may start per enqueue (`JobLimits`): a delivery of a lecture that used them all fails it with a
    /// reason, and a transient failure on the last one gives up. Counted on the record, not by SQS receives.
    public var maxEncodeAttempts: Int
    /// Backoff before a transient failure's retry: base × 2^(receives − 1), at most `maxRetryDelaySeconds`.
    public var retryBaseDelaySeconds: Int
    public var maxRetryDelaySeconds: Int
    /// Free bytes the scratch disk must keep besides the jobs' needs; receiving pauses below it.
    public var minimumFreeBytes: Int64
    /// A job needs about this many times its source's size in scratch space (source + every rendition).
    public var scratchSizeFactor: Double
    /// Port for /metrics (0: none).
    public var metricsPort: Int?
    /// `ECS_AGENT_URI`: set on ECS, where running jobs hold scale-in protection.
    public var ecsAgentURI: String?
    /// Minutes each scale-in protection lasts (renewed while jobs run).
    public var protectionMinutes: Int
    /// Longest wait between two attempts to reach the queue at start.
    public var startRetryMaxDelay: Duration
    /// Integrated loudness every lecture's sound is brought to, LUFS (`LECTERN_LOUDNESS_TARGET`; nil: `off`, the
    /// sound is published as recorded and one-sided microphones are not centred). Issue #17.
    public var loudnessTarget: Double? = -16
    /// The loudness gain never takes the true peak above this, dBTP (`LECTERN_TRUE_PEAK_CEILING`).
    public var truePeakCeiling: Double = -1.5
    /// Splitting long lectures into parts for the fleet (issue #15).
    public var split = SplitSettings()
    /// How a part (and the split probe, and the stitch's MP4 remux) reads the recording and segments from S3.
    public var rangedRead = RangedReadSettings()

    public init(
        queueURL: String,
        bucket: String,
        table: String,
        concurrency: Int = WorkerConfiguration.defaultConcurrency(),
        scratchDirectory: String = NSTemporaryDirectory() + "lectern-worker",
        shutdownGrace: Duration = .seconds(25),
        workerID: String = WorkerConfiguration.defaultWorkerID(),
        visibilitySeconds: Int = 120,
        progressInterval: Duration = .seconds(5),
        receiveWaitSeconds: Int = 20,
        deadLetterQueueURL: String? = nil,
        maxEncodeAttempts: Int = JobLimits.defaultEncodeAttempts,
        retryBaseDelaySeconds: Int = 10,
        maxRetryDelaySeconds: Int = 900,
        minimumFreeBytes: Int64 = 1 << 30,
        scratchSizeFactor: Double = 4,
        metricsPort: Int? = nil,
        ecsAgentURI: String? = nil,
        protectionMinutes: Int = 60,
        startRetryMaxDelay: Duration = .seconds(30)
    ) {
        self.queueURL = queueURL
        self.bucket = bucket
        self.table = table
        self.concurrency = concurrency
        self.scratchDirectory = scratchDirectory
        self.shutdownGrace = shutdownGrace
        self.workerID = workerID
        self.visibilitySeconds = visibilitySeconds
        self.progressInterval = progressInterval
        self.receiveWaitSeconds = receiveWaitSeconds
        self.deadLetterQueueURL = deadLetterQueueURL
        self.maxEncodeAttempts = maxEncodeAttempts
        self.retryBaseDelaySeconds = retryBaseDelaySeconds
        self.maxRetryDelaySeconds = maxRetryDelaySeconds
        self.minimumFreeBytes = minimumFreeBytes
        self.scratchSizeFactor = scratchSizeFactor
        self.metricsPort = metricsPort
        self.ecsAgentURI = ecsAgentURI
        self.protectionMinutes = protectionMinutes
        self.startRetryMaxDelay = startRetryMaxDelay
    }

    /// One job per two cores: each job already spreads its rungs over threads.
    public static func defaultConcurrency() -> Int { max(1, ProcessInfo.processInfo.activeProcessorCount / 2) }

    public static func defaultWorkerID() -> String {
        """
        \(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\
        \(UUID().uuidString.prefix(8).lowercased())
        """
    }

    /// Why the environment does not describe a usable worker, naming the variable.
    public typealias Problem = EnvironmentReader.Problem

    /// Reads the names the deployment template sets — `LECTERN_QUEUE_URL`, `LECTERN_BUCKET`,
    /// `LECTERN_LECTURES_TABLE` (required), `LECTERN_DLQ_URL`, `LECTERN_JOB_VISIBILITY_SECONDS`, `LECTERN_SCRATCH_DIR`,
    /// `METRICS_PORT` — and ECS's `ECS_AGENT_URI`, plus the optional `LECTERN_WORKER_CONCURRENCY`,
    /// `LECTERN_SHUTDOWN_GRACE_SECONDS`, `LECTERN_WORKER_ID`, `LECTERN_PROGRESS_INTERVAL_SECONDS`,
    /// `LECTERN_RECEIVE_WAIT_SECONDS`, `LECTERN_MAX_ATTEMPTS`, `LECTERN_RETRY_BASE_SECONDS`,
    /// `LECTERN_RETRY_MAX_SECONDS`,
    /// `LECTERN_MIN_FREE_BYTES`, `LECTERN_PROTECTION_MINUTES`, `LECTERN_START_RETRY_MAX_SECONDS`,
    /// `LECTERN_LOUDNESS_TARGET`, `LECTERN_TRUE_PEAK_CEILING`.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(Problem) -> WorkerConfiguration {
        let reader = EnvironmentReader(environment)
        var configuration = WorkerConfiguration(
            queueURL: try reader.required("LECTERN_QUEUE_URL"),
            bucket: try reader.required("LECTERN_BUCKET"),
            table: try reader.required("LECTERN_LECTURES_TABLE")
        )
        if let value = try reader.integer("LECTERN_WORKER_CONCURRENCY", in: 1...64) {
            configuration.concurrency = value
        }
        if let value = reader.text("LECTERN_SCRATCH_DIR") {
            guard value.hasPrefix("/") else {
                throw Problem(variable: "LECTERN_SCRATCH_DIR", message: "must be an absolute path")
            }
            configuration.scratchDirectory = value
        }
        if let value = try reader.integer("LECTERN_SHUTDOWN_GRACE_SECONDS", in: 0...3_600) {
            configuration.shutdownGrace = .seconds(value)
        }
        if let value = reader.text("LECTERN_WORKER_ID") { configuration.workerID = value }
        if let value = try reader.integer(
            "LECTERN_JOB_VISIBILITY_SECONDS",
            in: 2...SQSLimits.maxVisibilityTimeoutSeconds
        ) {
            configuration.visibilitySeconds = value
        }
        if let value = try reader.integer("LECTERN_PROGRESS_INTERVAL_SECONDS", in: 0...3_600) {
            configuration.progressInterval = .seconds(value)
        }
        if let value = try reader.integer("LECTERN_RECEIVE_WAIT_SECONDS", in: 0...20) {
            configuration.receiveWaitSeconds = value
        }
        if let value = reader.text("LECTERN_DLQ_URL") { configuration.deadLetterQueueURL = value }
        if let value = try reader.integer("LECTERN_MAX_ATTEMPTS", in: 1...1_000) {
            configuration.maxEncodeAttempts = value
        }
        if let value = try reader.integer("LECTERN_RETRY_BASE_SECONDS", in: 0...SQSLimits.maxVisibilityTimeoutSeconds) {
            configuration.retryBaseDelaySeconds = value
        }
        if let value = try reader.integer("LECTERN_RETRY_MAX_SECONDS", in: 0...SQSLimits.maxVisibilityTimeoutSeconds) {
            configuration.maxRetryDelaySeconds = value
        }
        if let value = try reader.integer("LECTERN_MIN_FREE_BYTES", in: 0...Int.max) {
            configuration.minimumFreeBytes = Int64(value)
        }
        if let value = try reader.integer("METRICS_PORT", in: 0...65_535) { configuration.metricsPort = value }
        if let value = reader.text("ECS_AGENT_URI") {
            guard value.hasPrefix("http://") || value.hasPrefix("https://") else {
                throw Problem(variable: "ECS_AGENT_URI", message: "must be an http(s) URL")
            }
            configuration.ecsAgentURI = value
        }
        if let value = try reader.integer("LECTERN_PROTECTION_MINUTES", in: 1...2_880) {
            configuration.protectionMinutes = value
        }
        if let value = try reader.integer("LECTERN_START_RETRY_MAX_SECONDS", in: 1...600) {
            configuration.startRetryMaxDelay = .seconds(value)
        }
        if reader.text("LECTERN_LOUDNESS_TARGET")?.trimmingCharacters(in: .whitespaces).lowercased() == "off" {
            configuration.loudnessTarget = nil
        } else if let value = try reader.decimal("LECTERN_LOUDNESS_TARGET", in: -40 ... -5, unit: "dB") {
            configuration.loudnessTarget = value
        }
        if let value = try reader.decimal("LECTERN_TRUE_PEAK_CEILING", in: -9...0, unit: "dB") {
            configuration.truePeakCeiling = value
        }
        try SplitSettings.read(reader, into: &configuration.split)
        try RangedReadSettings.read(reader, into: &configuration.rangedRead)
        guard configuration.queueURL.hasPrefix("http://") || configuration.queueURL.hasPrefix("https://") else {
            throw Problem(variable: "LECTERN_QUEUE_URL", message: "must be a queue URL (http:// or https://)")
        }
        return configuration
    }
}
