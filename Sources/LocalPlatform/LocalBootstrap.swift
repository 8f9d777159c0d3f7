import AWS
import Foundation
import LecternCore

/// Creates what a local Lectern needs — the bucket (with a CORS rule for the portal's origin), the dead-letter queue,
/// the jobs queue redriving into it, and the lectures table — through Lectern's own clients. Every step is
/// idempotent: running it again against the same names changes nothing and succeeds.
public struct LocalBootstrap: Sendable {
    public struct Settings: Sendable, Equatable {
        public var bucket: String
        public var queue: String
        public var deadLetterQueue: String
        public var table: String
        /// Origins allowed to PUT parts and read their ETags straight from S3 (the portal's origin).
        public var corsOrigins: [String]
        /// Receives before SQS moves a job to the dead-letter queue: a backstop above the attempt limit (`JobLimits`).
        public var maxReceiveCount: Int
        /// Course code → name, registered in the course registry unless the course already has an entry (a name
        /// changed through the API survives a second bootstrap).
        public var courseNames: [String: String] = [:]
        /// Sender addresses to verify as SES identities (the outcome mail's `LECTERN_NOTIFY_FROM` when it is on): moto
        /// refuses mail from an unverified sender, as SES does, and counts an identity verified as soon as it exists.
        public var verifiedSenders: [String] = []

        public init(
            bucket: String = "lectern-local",
            queue: String = "lectern-jobs",
            deadLetterQueue: String = "lectern-jobs-dlq",
            table: String = "lectern-lectures",
            corsOrigins: [String] = ["http://localhost:8080"],
            maxReceiveCount: Int = JobLimits.default.queueMaxReceiveCount
        ) {
            self.bucket = bucket
            self.queue = queue
            self.deadLetterQueue = deadLetterQueue
            self.table = table
            self.corsOrigins = corsOrigins
            self.maxReceiveCount = maxReceiveCount
        }

        /// The bucket's one CORS rule: browsers on the portal's origin upload and fetch, and may read ETag (multipart
        /// completion needs each part's).
        public var corsRule: S3CORSRule {
            S3CORSRule(
                allowedOrigins: corsOrigins,
                allowedMethods: ["GET", "PUT", "HEAD"],
                allowedHeaders: ["*"],
                exposeHeaders: ["ETag"],
                maxAgeSeconds: 3000
            )
        }
    }

    /// What was created, as the API and the worker read it from their environment.
    public struct Resources: Sendable, Equatable {
        public var bucket: String
        public var queueURL: String
        public var deadLetterQueueURL: String
        public var table: String

        public init(bucket: String, queueURL: String, deadLetterQueueURL: String, table: String) {
            self.bucket = bucket
            self.queueURL = queueURL
            self.deadLetterQueueURL = deadLetterQueueURL
            self.table = table
        }

        /// The variables `lectern-api` and `lectern-worker` read, in a stable order.
        public var environment: [(name: String, value: String)] {
            [
                ("LECTERN_BUCKET", bucket), ("LECTERN_QUEUE_URL", queueURL), ("LECTERN_DLQ_URL", deadLetterQueueURL),
                ("LECTERN_LECTURES_TABLE", table),
            ]
        }

        /// `export NAME='value'` lines a shell can `eval`.
        public var exportLines: String {
            environment.map { "export \($0.name)=\(Self.shellQuoted($0.value))" }.joined(separator: "\n")
        }

        /// Single quotes around the value, each inner `'` written as `'\''`.
        public static func shellQuoted(_ value: String) -> String {
            "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
    }

    public let settings: Settings
    public let context: AWSContext

    public init(settings: Settings, context: AWSContext) {
        self.settings = settings
        self.context = context
    }

    public func run() async throws -> Resources {
        let s3 = S3Client(context: context)
        try await s3.createBucket(settings.bucket)
        try await s3.putBucketCORS(bucket: settings.bucket, rules: [settings.corsRule])

        let sqs = SQSClient(context: context)
        let dlqURL = try await sqs.createQueue(named: settings.deadLetterQueue)
        let dlqArn = try await sqs.queueArn(dlqURL)
        let redrive = SQSRedrivePolicy(deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxReceiveCount)
        let queueURL = try await sqs.createQueue(
            named: settings.queue,
            settings: SQSQueueSettings(redrivePolicy: redrive)
        )

        let lectures = LectureStore(dynamo: DynamoDBClient(context: context), table: settings.table)
        try await lectures.ensureTable()
        let courses = CourseStore(lectures)
        for (course, name) in settings.courseNames.sorted(by: { $0.key < $1.key }) {
            if try await courses.get(course) == nil {
                try await courses.put(CourseSettings(courseId: course, name: name))
            }
        }
        let ses = SESClient(context: context)
        for sender in settings.verifiedSenders { try await ses.createEmailIdentity(sender) }
        return Resources(bucket: settings.bucket, queueURL: queueURL, deadLetterQueueURL: dlqURL, table: settings.table)
    }
}
