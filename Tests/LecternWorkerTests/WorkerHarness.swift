import AWS
import Foundation
import LecternCore
import LecternTestSupport
import LecternWorker
import Logging
import Synchronization

/// A fresh bucket, table, queue and DLQ on the shared moto server, plus helpers to enqueue lectures the way the
/// API does (record queued with `jobVersion` = the message's `outputVersion`) and to run workers in-process.
struct WorkerHarness {
    let stack: MotoLectureStack
    let queueURL: String
    let deadLetterQueueURL: String
    let scratch: String

    /// `visibility` is the queue's own timeout; `maxReceiveCount` its redrive limit (nil: no redrive policy).
    static func make(visibility: Int = 30, maxReceiveCount: Int? = 3) async throws -> WorkerHarness {
        let stack = try await MotoLectureStack.create(on: try await MotoServer.shared(), prefix: "lectures")
        let queues = try await stack.makeQueues(
            prefix: "jobs",
            visibility: visibility,
            maxReceiveCount: maxReceiveCount
        )
        let scratch = NSTemporaryDirectory() + MotoServer.uniqueName("lectern-worker-scratch")
        return WorkerHarness(
            stack: stack,
            queueURL: queues.queue,
            deadLetterQueueURL: queues.deadLetters,
            scratch: scratch
        )
    }

    var moto: MotoServer { stack.moto }
    var context: AWSContext { stack.context }
    var s3: S3Client { stack.s3 }
    var sqs: SQSClient { stack.sqs }
    var store: LectureStore { stack.store }
    var bucket: String { stack.bucket }
    var table: String { stack.store.table }

    /// Short timings so tests run in seconds: 1 s long polls, 3 s visibility, fast retries.
    func configuration(
        workerID: String = MotoServer.uniqueName("worker"),
        visibility: Int = 3,
        concurrency: Int = 1,
        grace: Duration = .seconds(25)
    ) -> WorkerConfiguration {
        WorkerConfiguration(
            queueURL: queueURL,
            bucket: bucket,
            table: table,
            concurrency: concurrency,
            scratchDirectory: scratch,
            shutdownGrace: grace,
            workerID: workerID,
            visibilitySeconds: visibility,
            progressInterval: .milliseconds(500),
            receiveWaitSeconds: 1,
            retryBaseDelaySeconds: 1,
            maxRetryDelaySeconds: 2,
            minimumFreeBytes: 0
        )
    }

    /// The environment a `lectern-worker` process needs for this harness.
    func processEnvironment(workerID: String, visibility: Int = 3, grace: Int = 25) -> [String: String] {
        var environment = stack.environment(queueURL: queueURL)
        environment["LECTERN_SCRATCH_DIR"] = scratch
        environment["LECTERN_WORKER_ID"] = workerID
        environment["LECTERN_JOB_VISIBILITY_SECONDS"] = "\(visibility)"
        environment["LECTERN_RECEIVE_WAIT_SECONDS"] = "1"
        environment["LECTERN_RETRY_BASE_SECONDS"] = "1"
        environment["LECTERN_RETRY_MAX_SECONDS"] = "2"
        environment["LECTERN_MIN_FREE_BYTES"] = "0"
        environment["LECTERN_SHUTDOWN_GRACE_SECONDS"] = "\(grace)"
        environment["LECTERN_PROGRESS_INTERVAL_SECONDS"] = "1"
        environment["LECTERN_WORKER_CONCURRENCY"] = "1"
        return environment
    }

    /// Creates a queued lecture record as the API does before sending its job; answers its id and job version.
    func createQueuedRecord() async throws -> (id: String, version: String) {
        try await stack.createQueuedLecture(
            course: "CS101",
            owner: "prof-1",
            title: "Week 1",
            filename: "w1.mp4",
            sizeBytes: 1
        )
    }

    /// Creates a queued lecture record, uploads `sourcePath` (unless nil) and sends its job message.
    @discardableResult
    func enqueue(sourcePath: String?, ladder: [Int] = [240], sendTimes: Int = 1) async throws -> JobMessage {
        let (id, version) = try await createQueuedRecord()
        if let sourcePath { try await uploadSource(sourcePath, lectureID: id) }
        let message = JobMessage(
            lectureID: id,
            sourceKey: ObjectKeys.source(lectureID: id),
            outputVersion: version,
            ladder: ladder
        )
        for _ in 0..<sendTimes { try await sqs.sendMessage(queueURL, body: message.encoded()) }
        return message
    }

    func uploadSource(_ path: String, lectureID: String) async throws {
        try await s3.uploadFile(path: path, bucket: bucket, key: ObjectKeys.source(lectureID: lectureID))
    }

    /// Polls the record until `condition` holds; fails after `timeout`.
    @discardableResult
    func waitForRecord(
        _ id: String,
        timeout: Duration = .seconds(60),
        until condition: (LectureRecord) -> Bool
    ) async throws -> LectureRecord {
        let deadline = ContinuousClock.now + timeout
        var last: LectureRecord?
        while ContinuousClock.now < deadline {
            last = try await store.get(id)
            if let last, condition(last) { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HarnessError(
            """
            timed out waiting for \(id); last state \(last?.state.rawValue ?? "none"), \
            stage \(last?.progressStage ?? "-")
            """
        )
    }

    /// Messages waiting or in flight in a queue.
    func messageCount(_ queue: String) async throws -> Int {
        let attributes = try await sqs.queueAttributes(
            queue,
            names: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )
        return (attributes.approximateNumberOfMessages ?? 0) + (attributes.approximateNumberOfMessagesNotVisible ?? 0)
    }

    func waitForEmptyQueue(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await messageCount(queueURL) == 0 { return }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw HarnessError("queue still holds \(try await messageCount(queueURL)) message(s)")
    }

    /// Every message in the DLQ (received with a long visibility so each is seen once).
    func deadLetters(expecting count: Int, timeout: Duration = .seconds(60)) async throws -> [SQSMessage] {
        var found: [SQSMessage] = []
        let deadline = ContinuousClock.now + timeout
        while found.count < count, ContinuousClock.now < deadline {
            found += try await sqs.receiveMessages(
                deadLetterQueueURL,
                maxMessages: 10,
                waitTimeSeconds: 1,
                visibilityTimeout: 600
            )
        }
        return found
    }

    /// Lists the whole (test-sized) bucket and filters here: moto 5.2's signature check rejects `prefix=a%2F`.
    func keys(under prefix: String) async throws -> Set<String> {
        Set(try await s3.listAll(bucket: bucket).map(\.key).filter { $0.hasPrefix(prefix) })
    }

    /// Job folders in the scratch directory (the hidden `.sweep.lock` guard file stays for good and is not one).
    func scratchEntries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? []).filter { !$0.hasPrefix(".") }
    }

    /// Starts a worker; `stop()` on the answer shuts it down and waits for `run()` to return.
    func startWorker(
        _ configuration: WorkerConfiguration,
        context: AWSContext? = nil,
        logs: LogCapture? = nil,
        mail: LectureMailSettings = .off
    ) -> RunningWorker {
        var logger = Logger(label: "test-worker") { label in
            var handler = JSONLogHandler(label: label) { line in logs?.append(line) }
            handler.logLevel = .debug
            return handler
        }
        logger.logLevel = .debug
        let worker = Worker(configuration: configuration, context: context ?? self.context, logger: logger, mail: mail)
        let task = Task { try await worker.run() }
        return RunningWorker(worker: worker, task: task)
    }
}

struct RunningWorker {
    let worker: Worker
    let task: Task<Void, any Error>

    func stop() async throws {
        await worker.shutdown()
        try await task.value
    }
}

/// Log lines a worker wrote, for assertions on what it logged.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Wraps a transport so a test can delay or fail chosen requests (the AWS calls themselves stay real).
struct InterceptingTransport: HTTPTransport {
    let base: any HTTPTransport
    /// Runs before each request; may sleep, or throw to fail the request.
    let intercept: @Sendable (HTTPRequest) async throws -> Void

    func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await intercept(request)
        return try await base.execute(request)
    }

    /// S3 requests carry no `X-Amz-Target` (SQS and DynamoDB over JSON do).
    static func isS3(_ request: HTTPRequest) -> Bool { request.headers["X-Amz-Target"] == nil }

    static func target(_ request: HTTPRequest) -> String? { request.headers["X-Amz-Target"] }
}
