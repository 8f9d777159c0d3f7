import AWS
import Foundation
import LecternCore

/// The AWS side of the API: the lectures table, the bucket and the job queue.
public struct APIServices: Sendable {
    public var store: LectureStore
    public var s3: S3Client
    public var sqs: SQSClient
    public var bucket: String
    /// Resolved at start (the configuration may name the queue instead).
    public var queueURL: String
    public var deadLetterQueueURL: String?

    public init(
        store: LectureStore,
        s3: S3Client,
        sqs: SQSClient,
        bucket: String,
        queueURL: String,
        deadLetterQueueURL: String? = nil
    ) {
        self.store = store
        self.s3 = s3
        self.sqs = sqs
        self.bucket = bucket
        self.queueURL = queueURL
        self.deadLetterQueueURL = deadLetterQueueURL
    }

    /// Clients from one AWS context; resolves the queue (and, when not configured, its dead-letter queue from
    /// the RedrivePolicy), so a wrong queue name stops the server at start.
    public static func connect(config: APIConfig, context: AWSContext) async throws -> APIServices {
        let sqs = SQSClient(context: context)
        let queueURL = try await sqs.resolveQueueURL(config.queue)
        var dlqURL: String?
        if let configured = config.deadLetterQueue {
            dlqURL = try await sqs.resolveQueueURL(configured)
        } else if let policy = try await sqs.queueAttributes(queueURL, names: ["RedrivePolicy"]).redrivePolicy,
            let name = policy.deadLetterTargetArn.split(separator: ":").last
        {
            dlqURL = try? await sqs.queueURL(named: String(name))
        }
        return APIServices(
            store: LectureStore(dynamo: DynamoDBClient(context: context), table: config.lecturesTable),
            s3: S3Client(context: context),
            sqs: sqs,
            bucket: config.bucket,
            queueURL: queueURL,
            deadLetterQueueURL: dlqURL
        )
    }
}
