import AWS
import ArgumentParser
import Dispatch
import Foundation

struct SQSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sqs",
        abstract: "SQS helpers.",
        subcommands: [Redrive.self]
    )

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move messages from a dead-letter queue back to a queue.",
            discussion: """
                Uses SQS's message move task where available (and no --max is given); otherwise moves the messages \
                itself, at least once: a message interrupted between send and delete may arrive twice, both copies \
                carrying the same lectern-redrive-id message attribute.
                """
        )

        @Option(name: .customLong("from"), help: "The dead-letter queue (name or URL).")
        var source: String

        @Option(name: .customLong("to"), help: "The queue to move the messages to (name or URL).")
        var target: String

        @Option(help: "Move at most this many messages.")
        var max: Int?

        @Option(help: "Seconds a message stays hidden in the dead-letter queue while it is moved.")
        var visibilityTimeout: Int = 60

        func validate() throws {
            if let max, max < 1 { throw ValidationError("--max must be at least 1") }
            if !(1...SQSLimits.maxVisibilityTimeoutSeconds).contains(visibilityTimeout) {
                throw ValidationError("--visibility-timeout must be 1…\(SQSLimits.maxVisibilityTimeoutSeconds)")
            }
        }

        func run() async throws {
            let sqs = SQSClient(context: try AWSContext.fromEnvironment())
            let dlqURL = try await sqs.resolveQueueURL(source)
            let targetURL = try await sqs.resolveQueueURL(target)
            let redrive = SQSRedrive(
                client: sqs,
                options: .init(maxMessages: max, visibilityTimeout: visibilityTimeout)
            )
            // Ctrl-C or SIGTERM stops between batches (a batch in flight is sent and deleted first), so an interrupted
            // redrive leaves no duplicates behind.
            let work = Task { try await redrive.run(from: dlqURL, to: targetURL) }
            let stoppers = cancellingOnStopSignals(work)
            defer { stoppers.forEach { $0.cancel() } }
            let result = try await work.value
            var line = "moved \(result.moved) message\(result.moved == 1 ? "" : "s") from \(source) to \(target)"
            if result.usedMoveTask { line += " (SQS message move task)" }
            if result.cancelled { line += "; interrupted, the rest stays in \(source)" }
            print(line)
            if result.sendFailed > 0 { print("\(result.sendFailed) refused by \(target); they stay in \(source)") }
            if result.deleteFailed > 0 {
                print("\(result.deleteFailed) sent but not deleted from \(source); they will be redriven again")
            }
            if result.sendFailed > 0 || result.deleteFailed > 0 { throw ExitCode(1) }
        }
    }
}
