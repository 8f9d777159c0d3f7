import AWS
import Foundation

public struct QueueStats: Codable, Sendable, Equatable {
    public var visible: Int?
    public var inFlight: Int?
    public var delayed: Int?
    public var deadLetter: Int?
    /// Seconds the oldest waiting message has waited; SQS reports it only through CloudWatch, so usually absent.
    public var oldestMessageAgeSeconds: Int?
}

public struct RedriveResult: Codable, Sendable, Equatable {
    public var moved: Int
    public var sendFailed: Int
    public var deleteFailed: Int
}

/// Operators' endpoints and the probes.
struct OpsHandlers: Sendable {
    let services: APIServices
    let readiness = ReadinessCache()

    private func requireOps(_ context: RequestContext) throws(APIProblem) {
        let caller = try context.caller
        guard caller.role == .ops else {
            throw .forbidden("only operators may do this (you are \(caller.role.rawValue))")
        }
    }

    func queue(_ context: RequestContext) async throws -> APIResponse {
        try requireOps(context)
        let attributes = try await services.sqs.queueAttributes(services.queueURL)
        var stats = QueueStats(
            visible: attributes.approximateNumberOfMessages,
            inFlight: attributes.approximateNumberOfMessagesNotVisible,
            delayed: attributes.approximateNumberOfMessagesDelayed
        )
        if let dlq = services.deadLetterQueueURL {
            stats.deadLetter = try await services.sqs.queueAttributes(dlq, names: ["ApproximateNumberOfMessages"])
                .approximateNumberOfMessages
        }
        return .json(stats)
    }

    func redrive(_ context: RequestContext) async throws -> APIResponse {
        try requireOps(context)
        guard let dlq = services.deadLetterQueueURL else {
            throw APIProblem.conflict("the job queue has no dead-letter queue configured")
        }
        let limit =
            try context.request.query["max"].map { text throws(APIProblem) -> Int in
                guard let value = Int(text), (1...10_000).contains(value) else {
                    throw .badRequest("query parameter 'max' must be 1…10000")
                }
                return value
            } ?? 1_000
        // Bounded, client-side: one API request never waits on an unbounded server-side move task.
        let redrive = SQSRedrive(
            client: services.sqs,
            options: .init(maxMessages: limit, waitTimeSeconds: 0, preferMoveTask: false)
        )
        let result = try await redrive.run(from: dlq, to: services.queueURL)
        return .json(
            RedriveResult(moved: result.moved, sendFailed: result.sendFailed, deleteFailed: result.deleteFailed)
        )
    }

    /// What a failed probe says publicly: the AWS error code, never URLs or messages.
    static func outcome(_ error: any Error) -> String {
        (error as? AWSError).map { "error \($0.code)" } ?? "unreachable"
    }

    /// Ready when the table, the bucket and the queue all answer; the answer is shared for a moment (`ReadinessCache`).
    func ready(_ context: RequestContext) async throws -> APIResponse {
        let answer = await readiness.answer { [services] in await Self.check(services) }
        return .json(
            ["status": answer.ready ? "ready" : "not ready"].merging(answer.checks) { first, _ in first },
            status: answer.ready ? 200 : 503
        )
    }

    static func check(_ services: APIServices) async -> ReadinessCache.Answer {
        var checks: [String: String] = [:]
        await withTaskGroup(of: (String, String).self) { group in
            group.addTask {
                do {
                    _ = try await services.store.dynamo.describeTable(services.store.table)
                    return ("dynamodb", "ok")
                } catch { return ("dynamodb", Self.outcome(error)) }
            }
            group.addTask {
                do {
                    _ = try await services.s3.listObjects(bucket: services.bucket, maxKeys: 1)
                    return ("s3", "ok")
                } catch { return ("s3", Self.outcome(error)) }
            }
            group.addTask {
                do {
                    _ = try await services.sqs.queueAttributes(services.queueURL, names: ["QueueArn"])
                    return ("sqs", "ok")
                } catch { return ("sqs", Self.outcome(error)) }
            }
            for await (name, outcome) in group { checks[name] = outcome }
        }
        return ReadinessCache.Answer(ready: checks.values.allSatisfy { $0 == "ok" }, checks: checks)
    }
}
