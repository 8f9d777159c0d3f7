import AWS
import ArgumentParser
import Foundation
import LecternCore
import LocalPlatform

/// `lectern dev bootstrap`: creates the bucket (with CORS), the queues and the table, then prints `export` lines.
struct DevBootstrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Create the local bucket, queues and lectures table (idempotent) and print their environment.",
        discussion: """
            Credentials, region and endpoint come from the environment (AWS_ACCESS_KEY_ID, AWS_REGION, \
            AWS_ENDPOINT_URL…). Prints `export LECTERN_BUCKET=… LECTERN_QUEUE_URL=… LECTERN_DLQ_URL=… \
            LECTERN_LECTURES_TABLE=…` lines on stdout for `eval "$(lectern dev bootstrap)"`; progress goes to stderr.
            """
    )

    @Option(help: "The endpoint for S3, SQS and DynamoDB (default: $AWS_ENDPOINT_URL).")
    var endpoint: String?

    @Option(help: "The bucket (default: $LECTERN_BUCKET or lectern-local).")
    var bucket: String?

    @Option(help: "The jobs queue's name.")
    var queue: String = "lectern-jobs"

    @Option(help: "The dead-letter queue's name.")
    var dlq: String = "lectern-jobs-dlq"

    @Option(help: "The lectures table (default: $LECTERN_LECTURES_TABLE or lectern-lectures).")
    var table: String?

    @Option(
        help: ArgumentHelp(
            "An origin the portal is opened from, allowed by the bucket's CORS rule; repeat for several "
                + "(default: $LECTERN_CORS_ORIGIN or http://localhost:8080).",
            discussion: "Browsers treat localhost and 127.0.0.1 as different origins: list both."
        )
    )
    var corsOrigin: [String] = []

    @Option(
        help: ArgumentHelp(
            "Encodes that may start per lecture before it fails (the workers' LECTERN_MAX_ATTEMPTS).",
            discussion: "The queue's redrive limit is derived from it (see JobLimits)."
        )
    )
    var maxAttempts: Int = JobLimits.defaultEncodeAttempts

    @Option(help: "Receives before SQS moves a job to the dead-letter queue (default: derived from --max-attempts).")
    var maxReceiveCount: Int?

    @Option(
        help: ArgumentHelp(
            "A course's name for the course registry, as CODE=NAME; repeat for several.",
            discussion: "Only registers courses that have no entry yet: a name changed in the portal is kept."
        )
    )
    var courseName: [String] = []

    var courseNames: [String: String] {
        Dictionary(
            courseName.compactMap { pair in
                guard let equals = pair.firstIndex(of: "=") else { return nil }
                return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
            },
            uniquingKeysWith: { _, last in last }
        )
    }

    var receiveLimit: Int { maxReceiveCount ?? JobLimits(encodeAttempts: maxAttempts).queueMaxReceiveCount }

    func validate() throws {
        if !(1...100).contains(maxAttempts) { throw ValidationError("--max-attempts must be 1…100") }
        if let maxReceiveCount, !(1...1_000).contains(maxReceiveCount) {
            throw ValidationError("--max-receive-count must be 1…1000")
        }
        for pair in courseName {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[1].trimmingCharacters(in: .whitespaces).isEmpty,
                !parts[0].isEmpty, parts[0].count <= 64,
                parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
            else {
                throw ValidationError(
                    "--course-name must be CODE=NAME (a code of letters, digits, '-', '_' or '.'), not \(pair)"
                )
            }
        }
        if let endpoint, URL(string: endpoint)?.scheme?.hasPrefix("http") != true {
            throw ValidationError("--endpoint must be an http(s) URL, not \(endpoint)")
        }
    }

    func run() async throws {
        var environment = ProcessInfo.processInfo.environment
        if let endpoint { environment["AWS_ENDPOINT_URL"] = endpoint }
        let origins =
            corsOrigin.isEmpty
            ? [environment["LECTERN_CORS_ORIGIN"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://localhost:8080"]
            : corsOrigin
        var settings = LocalBootstrap.Settings(
            bucket: bucket ?? environment["LECTERN_BUCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? "lectern-local",
            queue: queue,
            deadLetterQueue: dlq,
            table: table ?? environment["LECTERN_LECTURES_TABLE"].flatMap { $0.isEmpty ? nil : $0 }
                ?? "lectern-lectures",
            corsOrigins: origins,
            maxReceiveCount: receiveLimit
        )
        settings.courseNames = courseNames
        // With outcome mail on (LECTERN_NOTIFY_EMAIL=ses), the sender must be a verified identity before anything is
        // sent.
        if case .ses(let from, _) = try LectureMailSettings.fromEnvironment(environment) {
            settings.verifiedSenders = [from]
        }
        let context = try AWSContext.fromEnvironment(environment)
        let resources = try await LocalBootstrap(settings: settings, context: context).run()
        FileHandle.standardError.write(
            Data(
                """
                lectern dev bootstrap: bucket \(resources.bucket) (CORS for \(origins.joined(separator: ", "))), queue \
                \(settings.queue) → \(settings.deadLetterQueue) after \(receiveLimit) receives (a backstop: workers \
                give up after \(maxAttempts) attempts), table \(resources.table)\n
                """.utf8
            )
        )
        print(resources.exportLines)
    }
}
