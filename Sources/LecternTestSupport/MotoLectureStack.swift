import AWS
import Foundation
import HTTPTransport
import LecternCore

/// The deployment's lecture resources on a moto server, each under a unique name: a bucket, the lectures table and
/// (`makeQueues`) a jobs queue with its DLQ, plus the environment a `lectern-worker` or `lectern-api` process reads
/// them from. The worker tests, the portal's browser stack and the worker benchmarks stand on it.
public struct MotoLectureStack: Sendable {
    public let moto: MotoServer
    public let context: AWSContext
    public let s3: S3Client
    public let sqs: SQSClient
    public let store: LectureStore
    public let bucket: String

    /// Creates the bucket and the lectures table, both named `prefix` plus a unique suffix.
    public static func create(on moto: MotoServer, prefix: String) async throws -> MotoLectureStack {
        let context = moto.context(transport: CurlTransport())
        let s3 = S3Client(context: context)
        let bucket = MotoServer.uniqueName(prefix)
        try await s3.createBucket(bucket)
        let store = LectureStore(dynamo: DynamoDBClient(context: context), table: MotoServer.uniqueName(prefix))
        try await store.ensureTable()
        return MotoLectureStack(
            moto: moto,
            context: context,
            s3: s3,
            sqs: SQSClient(context: context),
            store: store,
            bucket: bucket
        )
    }

    /// A jobs queue and a new DLQ it redrives to after `maxReceiveCount` receives (nil: no redrive policy).
    public func makeQueues(
        prefix: String,
        visibility: Int,
        maxReceiveCount: Int?
    ) async throws -> (queue: String, deadLetters: String) {
        let deadLetters = try await sqs.createQueue(named: MotoServer.uniqueName(prefix + "-dlq"))
        var settings = SQSQueueSettings(visibilityTimeout: visibility)
        if let maxReceiveCount {
            settings.redrivePolicy = SQSRedrivePolicy(
                deadLetterTargetArn: try await sqs.queueArn(deadLetters),
                maxReceiveCount: maxReceiveCount
            )
        }
        return (try await sqs.createQueue(named: MotoServer.uniqueName(prefix), settings: settings), deadLetters)
    }

    /// A lecture record as the API leaves it once an upload completes: `queued`, with a new id and job version
    /// (the job message's `outputVersion`). The source is the caller's to upload, at `ObjectKeys.source`.
    public func createQueuedLecture(
        course: String,
        owner: String,
        title: String,
        filename: String,
        sizeBytes: Int64
    ) async throws -> (id: String, version: String) {
        let id = ObjectKeys.newLectureID()
        let version = ObjectKeys.newOutputVersion()
        var record = LectureRecord(
            lectureId: id,
            courseId: course,
            ownerId: owner,
            title: title,
            filename: filename,
            contentType: "video/mp4",
            sizeBytes: sizeBytes,
            sourceKey: ObjectKeys.source(lectureID: id),
            state: .queued
        )
        record.jobVersion = version
        try await store.create(record)
        return (id, version)
    }

    /// moto's endpoint and keys, and the jobs queue, bucket and table: what every Lectern process needs to find them.
    public func environment(queueURL: String) -> [String: String] {
        var environment = moto.environment
        environment["LECTERN_QUEUE_URL"] = queueURL
        environment["LECTERN_BUCKET"] = bucket
        environment["LECTERN_LECTURES_TABLE"] = store.table
        return environment
    }
}

/// A process's own CPU time, user + system, in seconds: fields 14 and 15 of /proc/<pid>/stat (clock ticks).
/// Nil when the process is gone or the file is not as expected.
public func processCPUSeconds(_ pid: Int32) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = text.lastIndex(of: ")")  // the command name (field 2) is in parentheses and may hold spaces
    else { return nil }
    let fields = text[text.index(after: close)...].split(separator: " ")
    // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12].
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}
