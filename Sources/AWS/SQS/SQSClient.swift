import Foundation
import HTTPTransport

/// Amazon SQS over its JSON protocol (`X-Amz-Target: AmazonSQS.<Operation>`).
///
/// Retries: the service client retries only calls marked idempotent. Create/GetQueueUrl/GetQueueAttributes,
/// DeleteMessage(Batch) and ChangeMessageVisibility(Batch) are (repeating them leaves the same state).
/// ReceiveMessage is retried too although it is not idempotent in effect: a receive whose answer was lost has
/// hidden its messages, which come back after their visibility timeout — a delay, never a loss.
/// SendMessage(Batch) is NOT retried: a send whose answer was lost may have been stored, and sending again would
/// duplicate the message. The caller sees the error and decides (the job protocol tolerates duplicates; FIFO
/// sends with a deduplication id are safe to repeat and are retried).
public struct SQSClient: Sendable {
    public let client: AWSServiceClient

    /// Longest long poll SQS allows.
    public static let maxWaitTimeSeconds = 20
    /// Most entries in one batch call.
    public static let maxBatchSize = 10

    public init(client: AWSServiceClient) {
        precondition(client.service == .sqs, "SQSClient needs an SQS service client")
        self.client = client
    }

    public init(context: AWSContext) {
        self.init(client: context.client(for: .sqs))
    }

    private func call<Input: Encodable, Output: Decodable>(
        _ operation: String,
        _ input: Input,
        _ output: Output.Type,
        idempotent: Bool,
        timeouts: HTTPTimeouts? = nil
    ) async throws -> Output {
        try await client.json(
            target: "AmazonSQS.\(operation)",
            input: input,
            output: output,
            idempotent: idempotent,
            timeouts: timeouts
        )
    }

    // MARK: Queues

    /// Creates the queue (or answers the URL of an existing one with the same attributes) and answers its URL.
    @discardableResult
    public func createQueue(named name: String, settings: SQSQueueSettings = SQSQueueSettings()) async throws -> String
    {
        let attributes = settings.attributes
        let input = SQSCreateQueueInput(QueueName: name, Attributes: attributes.isEmpty ? nil : attributes)
        return try await call("CreateQueue", input, SQSQueueURLOutput.self, idempotent: true).QueueUrl
    }

    public func queueURL(named name: String, ownerAccountID: String? = nil) async throws -> String {
        try await call(
            "GetQueueUrl",
            SQSGetQueueURLInput(QueueName: name, QueueOwnerAWSAccountId: ownerAccountID),
            SQSQueueURLOutput.self,
            idempotent: true
        ).QueueUrl
    }

    /// A queue URL as given (anything starting with http:// or https://), else the URL of the queue of that name.
    public func resolveQueueURL(_ nameOrURL: String) async throws -> String {
        if nameOrURL.hasPrefix("https://") || nameOrURL.hasPrefix("http://") { return nameOrURL }
        return try await queueURL(named: nameOrURL)
    }

    /// `names` defaults to every attribute.
    public func queueAttributes(_ queueURL: String, names: [String] = ["All"]) async throws -> SQSQueueAttributes {
        let output = try await call(
            "GetQueueAttributes",
            SQSGetQueueAttributesInput(QueueUrl: queueURL, AttributeNames: names),
            SQSGetQueueAttributesOutput.self,
            idempotent: true
        )
        return SQSQueueAttributes(raw: output.Attributes ?? [:])
    }

    /// The queue's ARN (what RedrivePolicy and StartMessageMoveTask name queues by).
    public func queueArn(_ queueURL: String) async throws -> String {
        guard let arn = try await queueAttributes(queueURL, names: ["QueueArn"]).queueArn else {
            throw AWSError(
                code: "MalformedResponse",
                message: "GetQueueAttributes answered no QueueArn for \(queueURL)",
                status: 200,
                isRetryable: false,
                service: "sqs"
            )
        }
        return arn
    }

    public func deleteQueue(_ queueURL: String) async throws {
        _ = try await call("DeleteQueue", SQSQueueURLInput(QueueUrl: queueURL), SQSEmptyOutput.self, idempotent: true)
    }

    /// Deletes every message in the queue (SQS allows one purge a minute).
    public func purgeQueue(_ queueURL: String) async throws {
        _ = try await call("PurgeQueue", SQSQueueURLInput(QueueUrl: queueURL), SQSEmptyOutput.self, idempotent: true)
    }

    // MARK: Sending

    /// Sends one message. Not retried on an ambiguous failure unless `messageDeduplicationID` is set (see the type's
    /// note). Throws `SQSError.sentChecksumMismatch` when SQS acknowledges a body other than the one sent.
    @discardableResult
    public func sendMessage(
        _ queueURL: String,
        body: String,
        delaySeconds: Int? = nil,
        messageAttributes: [String: SQSMessageAttributeValue] = [:],
        messageGroupID: String? = nil,
        messageDeduplicationID: String? = nil
    ) async throws -> SQSSentMessage {
        if let delaySeconds, !(0...900).contains(delaySeconds) {
            throw SQSError.invalidArgument("delaySeconds \(delaySeconds) is outside 0…900")
        }
        let input = SQSSendMessageInput(
            QueueUrl: queueURL,
            MessageBody: body,
            DelaySeconds: delaySeconds,
            MessageAttributes: messageAttributes.isEmpty ? nil : messageAttributes,
            MessageGroupId: messageGroupID,
            MessageDeduplicationId: messageDeduplicationID
        )
        let output = try await call(
            "SendMessage",
            input,
            SQSSendMessageOutput.self,
            idempotent: messageDeduplicationID != nil
        )
        let expected = SQSChecksum.md5Hex(body)
        if let md5 = output.MD5OfMessageBody, md5.lowercased() != expected {
            throw SQSError.sentChecksumMismatch(expected: expected, actual: md5)
        }
        if !messageAttributes.isEmpty, let md5 = output.MD5OfMessageAttributes {
            let actual = SQSChecksum.md5Hex(messageAttributes)
            if md5.lowercased() != actual {
                throw SQSError.attributesChecksumMismatch(messageID: output.MessageId, expected: md5, actual: actual)
            }
        }
        return SQSSentMessage(
            messageID: output.MessageId,
            md5OfBody: output.MD5OfMessageBody,
            sequenceNumber: output.SequenceNumber
        )
    }

    /// Sends up to ten messages in one call. Entries SQS refuses come back in `failed` (the call itself succeeds);
    /// a success whose acknowledged MD5 does not match the body sent is reported as a failure with code
    /// `MD5Mismatch`. Not retried (see the type's note) unless every entry carries a deduplication id.
    public func sendMessageBatch(
        _ queueURL: String,
        entries: [SQSSendEntry]
    ) async throws -> SQSBatchResult<SQSSendBatchSuccess> {
        try Self.checkBatch(entries.map(\.id))
        let input = SQSSendMessageBatchInput(
            QueueUrl: queueURL,
            Entries: entries.map {
                .init(
                    Id: $0.id,
                    MessageBody: $0.body,
                    DelaySeconds: $0.delaySeconds,
                    MessageAttributes: $0.messageAttributes.isEmpty ? nil : $0.messageAttributes,
                    MessageGroupId: $0.messageGroupID,
                    MessageDeduplicationId: $0.messageDeduplicationID
                )
            }
        )
        let idempotent = entries.allSatisfy { $0.messageDeduplicationID != nil }
        let output = try await call("SendMessageBatch", input, SQSSendMessageBatchOutput.self, idempotent: idempotent)
        let bodies = Dictionary(entries.map { ($0.id, $0.body) }, uniquingKeysWith: { first, _ in first })
        var successful: [SQSSendBatchSuccess] = []
        var failed = (output.Failed ?? []).map(\.failure)
        for success in output.Successful ?? [] {
            if let md5 = success.MD5OfMessageBody, let body = bodies[success.Id],
                md5.lowercased() != SQSChecksum.md5Hex(body)
            {
                failed.append(
                    SQSBatchFailure(
                        id: success.Id,
                        code: "MD5Mismatch",
                        message: "SQS acknowledged a body with MD5 \(md5)",
                        senderFault: false
                    )
                )
            } else {
                successful.append(
                    SQSSendBatchSuccess(
                        id: success.Id,
                        messageID: success.MessageId,
                        md5OfBody: success.MD5OfMessageBody
                    )
                )
            }
        }
        return SQSBatchResult(successful: successful, failed: failed)
    }

    // MARK: Receiving

    /// System attributes asked for by default: enough for receive counts and ages.
    public static let defaultSystemAttributes = [
        "ApproximateReceiveCount", "SentTimestamp", "ApproximateFirstReceiveTimestamp",
    ]

    /// Receives up to `maxMessages` (1…10). `waitTimeSeconds` > 0 long-polls: SQS holds the request until a
    /// message arrives or the wait ends; the transport's timeout is set above the wait. Cancelling the task
    /// ends the poll promptly with `CancellationError` (messages SQS may already have handed out come back
    /// after their visibility timeout). Every body is checked against its MD5 (`SQSError.bodyChecksumMismatch`), and
    /// the message attributes against theirs when all attributes were asked for (`.attributesChecksumMismatch`).
    public func receiveMessages(
        _ queueURL: String,
        maxMessages: Int = 1,
        waitTimeSeconds: Int? = nil,
        visibilityTimeout: Int? = nil,
        systemAttributes: [String] = SQSClient.defaultSystemAttributes,
        messageAttributes: [String] = ["All"]
    ) async throws -> [SQSMessage] {
        guard (1...Self.maxBatchSize).contains(maxMessages) else {
            throw SQSError.invalidArgument("maxMessages \(maxMessages) is outside 1…\(Self.maxBatchSize)")
        }
        if let waitTimeSeconds, !(0...Self.maxWaitTimeSeconds).contains(waitTimeSeconds) {
            throw SQSError.invalidArgument("waitTimeSeconds \(waitTimeSeconds) is outside 0…\(Self.maxWaitTimeSeconds)")
        }
        let input = SQSReceiveMessageInput(
            QueueUrl: queueURL,
            MaxNumberOfMessages: maxMessages,
            VisibilityTimeout: visibilityTimeout,
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: systemAttributes.isEmpty ? nil : systemAttributes,
            AttributeNames: systemAttributes.isEmpty ? nil : systemAttributes,
            MessageAttributeNames: messageAttributes.isEmpty ? nil : messageAttributes
        )
        // The queue's own ReceiveMessageWaitTimeSeconds may apply when waitTimeSeconds is nil: allow for the longest.
        let wait = waitTimeSeconds ?? Self.maxWaitTimeSeconds
        let timeouts = HTTPTimeouts(
            connect: .seconds(10),
            total: .seconds(wait + 20),
            lowSpeedBytesPerSecond: 1,
            lowSpeedWindow: .seconds(wait + 20)
        )
        let output: SQSReceiveMessageOutput
        do {
            output = try await call(
                "ReceiveMessage",
                input,
                SQSReceiveMessageOutput.self,
                idempotent: true,
                timeouts: timeouts
            )
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
        // The attributes' MD5 covers all of a message's attributes, so it can only be checked when all were asked for.
        let allAttributes = messageAttributes.contains("All") || messageAttributes.contains(".*")
        return try (output.Messages ?? []).map { try Self.message(from: $0, checkAttributes: allAttributes) }
    }

    static func message(from wire: SQSReceiveMessageOutput.Message, checkAttributes: Bool) throws -> SQSMessage {
        let actual = SQSChecksum.md5Hex(wire.Body)
        guard actual == wire.MD5OfBody.lowercased() else {
            throw SQSError.bodyChecksumMismatch(messageID: wire.MessageId, expected: wire.MD5OfBody, actual: actual)
        }
        if checkAttributes, let attributes = wire.MessageAttributes, !attributes.isEmpty,
            let md5 = wire.MD5OfMessageAttributes
        {
            let actual = SQSChecksum.md5Hex(attributes)
            guard actual == md5.lowercased() else {
                throw SQSError.attributesChecksumMismatch(messageID: wire.MessageId, expected: md5, actual: actual)
            }
        }
        return SQSMessage(
            messageID: wire.MessageId,
            receiptHandle: wire.ReceiptHandle,
            body: wire.Body,
            md5OfBody: wire.MD5OfBody,
            attributes: wire.Attributes ?? [:],
            messageAttributes: wire.MessageAttributes ?? [:]
        )
    }

    // MARK: Deleting and visibility

    public func deleteMessage(_ queueURL: String, receiptHandle: String) async throws {
        _ = try await call(
            "DeleteMessage",
            SQSDeleteMessageInput(QueueUrl: queueURL, ReceiptHandle: receiptHandle),
            SQSEmptyOutput.self,
            idempotent: true
        )
    }

    /// Deletes up to ten messages; answers the ids deleted and the entries refused.
    public func deleteMessageBatch(
        _ queueURL: String,
        entries: [SQSReceiptEntry]
    ) async throws -> SQSBatchResult<String> {
        try Self.checkBatch(entries.map(\.id))
        let input = SQSReceiptBatchInput(
            QueueUrl: queueURL,
            Entries: entries.map { .init(Id: $0.id, ReceiptHandle: $0.receiptHandle) }
        )
        let output = try await call("DeleteMessageBatch", input, SQSIDBatchOutput.self, idempotent: true)
        return SQSBatchResult(
            successful: (output.Successful ?? []).map(\.Id),
            failed: (output.Failed ?? []).map(\.failure)
        )
    }

    /// Hides (or, with 0, releases) a received message for `visibilityTimeout` seconds from now.
    public func changeMessageVisibility(_ queueURL: String, receiptHandle: String, visibilityTimeout: Int) async throws
    {
        guard (0...SQSLimits.maxVisibilityTimeoutSeconds).contains(visibilityTimeout) else {
            throw SQSError.invalidArgument(
                "visibilityTimeout \(visibilityTimeout) is outside 0…\(SQSLimits.maxVisibilityTimeoutSeconds)"
            )
        }
        let input = SQSChangeVisibilityInput(
            QueueUrl: queueURL,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: visibilityTimeout
        )
        _ = try await call("ChangeMessageVisibility", input, SQSEmptyOutput.self, idempotent: true)
    }

    /// Up to ten visibility changes; each entry needs its `visibilityTimeout`.
    public func changeMessageVisibilityBatch(
        _ queueURL: String,
        entries: [SQSReceiptEntry]
    ) async throws -> SQSBatchResult<String> {
        try Self.checkBatch(entries.map(\.id))
        guard entries.allSatisfy({ $0.visibilityTimeout != nil }) else {
            throw SQSError.invalidArgument("every ChangeMessageVisibilityBatch entry needs a visibilityTimeout")
        }
        let input = SQSReceiptBatchInput(
            QueueUrl: queueURL,
            Entries: entries.map {
                .init(Id: $0.id, ReceiptHandle: $0.receiptHandle, VisibilityTimeout: $0.visibilityTimeout)
            }
        )
        let output = try await call("ChangeMessageVisibilityBatch", input, SQSIDBatchOutput.self, idempotent: true)
        return SQSBatchResult(
            successful: (output.Successful ?? []).map(\.Id),
            failed: (output.Failed ?? []).map(\.failure)
        )
    }

    // MARK: Message move tasks (server-side DLQ redrive)

    /// Starts SQS's own move of every message in the DLQ `sourceArn` to `destinationArn`; answers the task handle.
    /// Not retried: a second start while one runs fails.
    public func startMessageMoveTask(
        sourceArn: String,
        destinationArn: String?,
        maxMessagesPerSecond: Int? = nil
    ) async throws -> String {
        let input = SQSStartMoveTaskInput(
            SourceArn: sourceArn,
            DestinationArn: destinationArn,
            MaxNumberOfMessagesPerSecond: maxMessagesPerSecond
        )
        return try await call("StartMessageMoveTask", input, SQSStartMoveTaskOutput.self, idempotent: false).TaskHandle
    }

    /// The most recent move tasks of the DLQ `sourceArn`, newest first.
    public func listMessageMoveTasks(sourceArn: String, maxResults: Int = 1) async throws -> [SQSMessageMoveTask] {
        let output = try await call(
            "ListMessageMoveTasks",
            SQSListMoveTasksInput(SourceArn: sourceArn, MaxResults: maxResults),
            SQSListMoveTasksOutput.self,
            idempotent: true
        )
        return (output.Results ?? []).map {
            SQSMessageMoveTask(
                taskHandle: $0.TaskHandle,
                status: $0.Status,
                messagesMoved: $0.ApproximateNumberOfMessagesMoved ?? 0,
                messagesToMove: $0.ApproximateNumberOfMessagesToMove,
                failureReason: $0.FailureReason
            )
        }
    }

    public func cancelMessageMoveTask(taskHandle: String) async throws {
        _ = try await call(
            "CancelMessageMoveTask",
            SQSCancelMoveTaskInput(TaskHandle: taskHandle),
            SQSEmptyOutput.self,
            idempotent: true
        )
    }

    // MARK: Checks

    static func checkBatch(_ ids: [String]) throws {
        guard !ids.isEmpty, ids.count <= maxBatchSize else {
            throw SQSError.invalidArgument("a batch holds 1…\(maxBatchSize) entries, not \(ids.count)")
        }
        guard Set(ids).count == ids.count else {
            throw SQSError.invalidArgument("batch entry ids must be distinct")
        }
    }
}

/// The state of a server-side message move task.
public struct SQSMessageMoveTask: Sendable, Equatable {
    public var taskHandle: String?
    /// RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED.
    public var status: String
    public var messagesMoved: Int
    public var messagesToMove: Int?
    public var failureReason: String?
}
