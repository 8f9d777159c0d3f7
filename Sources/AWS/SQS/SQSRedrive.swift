import Foundation

/// Moves messages from a dead-letter queue back to a queue (normally the one they came from).
///
/// Where SQS supports it (and no `maxMessages` bound is asked for) this starts a server-side message move task
/// and waits for it. Otherwise — moto, other emulators, or a bounded move — it moves the messages itself, batch by
/// batch: receive (hiding them for `visibilityTimeout`) → send the same bodies and message attributes to the
/// target → delete from the DLQ only the ones the target accepted.
///
/// Guarantee: at-least-once. No message is lost: a message leaves the DLQ only after the target stored its copy.
/// A message may arrive twice: if the process dies (or the delete fails) after the send and before the delete,
/// the DLQ copy reappears after its visibility timeout and a later redrive sends it again. Every copy this helper
/// sends carries the message attribute `lectern-redrive-id` = the DLQ message's id, so a consumer can tell the two
/// copies are one message (Lectern's job protocol is idempotent anyway). Messages that already carry 10 message
/// attributes (SQS's limit) are sent without the marker. For FIFO targets the redrive id is also the
/// deduplication id, so SQS itself drops a second copy sent within its 5-minute window.
///
/// Cancellation stops between batches: a batch already sent is always deleted first, so cancelling never leaves
/// more duplicates behind than a crash would.
public struct SQSRedrive: Sendable {
    public struct Options: Sendable {
        /// Stop after this many messages (forces the client-side move). nil: until the DLQ answers empty.
        public var maxMessages: Int?
        /// Seconds received messages stay hidden in the DLQ while a batch is moved.
        public var visibilityTimeout: Int
        /// Long-poll wait of each receive; an empty answer after this wait ends the redrive.
        public var waitTimeSeconds: Int
        /// Try SQS's StartMessageMoveTask first.
        public var preferMoveTask: Bool
        public var markerAttribute: String
        /// How often a server-side move task's progress is read.
        public var moveTaskPollInterval: Duration

        public init(
            maxMessages: Int? = nil,
            visibilityTimeout: Int = 60,
            waitTimeSeconds: Int = 1,
            preferMoveTask: Bool = true,
            markerAttribute: String = "lectern-redrive-id",
            moveTaskPollInterval: Duration = .seconds(1)
        ) {
            self.maxMessages = maxMessages
            self.visibilityTimeout = visibilityTimeout
            self.waitTimeSeconds = waitTimeSeconds
            self.preferMoveTask = preferMoveTask
            self.markerAttribute = markerAttribute
            self.moveTaskPollInterval = moveTaskPollInterval
        }
    }

    public struct Result: Sendable, Equatable {
        /// Messages now in the target and gone from the DLQ.
        public var moved: Int
        /// Messages the target refused; they stay in the DLQ (visible again after the visibility timeout).
        public var sendFailed: Int
        /// Messages sent but not deleted from the DLQ: they will be redriven again (a duplicate with the same redrive
        /// id).
        public var deleteFailed: Int
        /// True when SQS's server-side move task did the work (then only `moved` is known, and approximately).
        public var usedMoveTask: Bool
        /// True when the task was cancelled before the DLQ was empty.
        public var cancelled: Bool

        public init(
            moved: Int = 0,
            sendFailed: Int = 0,
            deleteFailed: Int = 0,
            usedMoveTask: Bool = false,
            cancelled: Bool = false
        ) {
            self.moved = moved
            self.sendFailed = sendFailed
            self.deleteFailed = deleteFailed
            self.usedMoveTask = usedMoveTask
            self.cancelled = cancelled
        }
    }

    public let client: SQSClient
    public var options: Options
    /// Test seam: runs after a batch was sent and before it is deleted from the DLQ. Throwing there simulates a
    /// crash between send and delete (the error ends the redrive; nothing is deleted).
    public var afterSend: (@Sendable (_ sent: [SQSMessage]) async throws -> Void)?
    /// Called after each batch with the running totals (progress output, tests that cancel half-way).
    public var onBatch: (@Sendable (_ totals: Result) async -> Void)?

    public init(client: SQSClient, options: Options = Options()) {
        self.client = client
        self.options = options
    }

    /// Moves messages from `dlqURL` to `targetURL` (queue URLs; see `SQSClient.resolveQueueURL`).
    public func run(from dlqURL: String, to targetURL: String) async throws -> Result {
        if let maxMessages = options.maxMessages, maxMessages < 0 {
            throw SQSError.invalidArgument("maxMessages \(maxMessages) is negative")
        }
        guard (0...SQSLimits.maxVisibilityTimeoutSeconds).contains(options.visibilityTimeout) else {
            throw SQSError.invalidArgument(
                "visibilityTimeout \(options.visibilityTimeout) is outside 0…\(SQSLimits.maxVisibilityTimeoutSeconds)"
            )
        }
        if options.preferMoveTask, options.maxMessages == nil, afterSend == nil,
            let result = try await runMoveTask(from: dlqURL, to: targetURL)
        {
            return result
        }
        return try await runClientSide(from: dlqURL, to: targetURL)
    }

    // MARK: Server-side move

    /// nil when the endpoint has no message move tasks (moto, emulators, old regions).
    private func runMoveTask(from dlqURL: String, to targetURL: String) async throws -> Result? {
        let sourceArn = try await client.queueArn(dlqURL)
        let destinationArn = try await client.queueArn(targetURL)
        let handle: String
        do {
            handle = try await client.startMessageMoveTask(sourceArn: sourceArn, destinationArn: destinationArn)
        } catch let error as AWSError where Self.isMoveTaskUnavailable(error) {
            return nil
        }
        while true {
            do {
                try await Task.sleep(for: options.moveTaskPollInterval)
            } catch {
                try? await client.cancelMessageMoveTask(taskHandle: handle)
                let moved = try? await client.listMessageMoveTasks(sourceArn: sourceArn).first?.messagesMoved
                return Result(moved: moved ?? 0, usedMoveTask: true, cancelled: true)
            }
            guard
                let task = try await client.listMessageMoveTasks(sourceArn: sourceArn).first(where: {
                    $0.taskHandle == handle || $0.taskHandle == nil
                })
            else {
                continue
            }
            switch task.status {
            case "RUNNING", "CANCELLING":
                continue
            case "FAILED":
                throw AWSError(
                    code: "MessageMoveTaskFailed",
                    message: task.failureReason ?? "the move task failed",
                    status: 200,
                    isRetryable: false,
                    service: "sqs"
                )
            default:
                return Result(moved: task.messagesMoved, usedMoveTask: true, cancelled: task.status == "CANCELLED")
            }
        }
    }

    /// Errors meaning "this endpoint cannot run move tasks here", after which the client-side move is the right
    /// thing: an unknown operation, a source queue that is not anyone's DLQ, or moto's bare HTTP 500 for actions it
    /// has not implemented (an HTML page without a request id, unlike a real AWS 500).
    static func isMoveTaskUnavailable(_ error: AWSError) -> Bool {
        let codes: Set<String> = [
            "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", "UnknownOperationException",
            "InvalidAction", "NotImplemented", "InvalidParameterValue", "AWS.SimpleQueueService.InvalidParameterValue",
        ]
        if codes.contains(error.code) || error.status == 501 { return true }
        return error.status == 500 && error.requestID == nil
    }

    // MARK: Client-side move

    private func runClientSide(from dlqURL: String, to targetURL: String) async throws -> Result {
        var totals = Result()
        let targetIsFIFO = targetURL.hasSuffix(".fifo")
        while !Task.isCancelled {
            let wanted = options.maxMessages.map { $0 - totals.moved - totals.deleteFailed } ?? SQSClient.maxBatchSize
            if wanted <= 0 { break }
            let messages: [SQSMessage]
            do {
                messages = try await client.receiveMessages(
                    dlqURL,
                    maxMessages: min(wanted, SQSClient.maxBatchSize),
                    waitTimeSeconds: options.waitTimeSeconds,
                    visibilityTimeout: options.visibilityTimeout,
                    systemAttributes: ["MessageGroupId"],
                    messageAttributes: ["All"]
                )
            } catch is CancellationError {
                break
            }
            if messages.isEmpty { break }
            // Sending and deleting one batch runs to completion even if we are cancelled meanwhile: stopping between
            // the two would leave a copy in both queues.
            let batch = Task { try await moveBatch(messages, to: targetURL, from: dlqURL, targetIsFIFO: targetIsFIFO) }
            let outcome = try await batch.value
            totals.moved += outcome.moved
            totals.sendFailed += outcome.sendFailed
            totals.deleteFailed += outcome.deleteFailed
            await onBatch?(totals)
            // A target refusing a whole batch will refuse the next one too: stop rather than spin.
            if outcome.sendFailed == messages.count { break }
        }
        totals.cancelled = Task.isCancelled
        return totals
    }

    private func moveBatch(
        _ messages: [SQSMessage],
        to targetURL: String,
        from dlqURL: String,
        targetIsFIFO: Bool
    ) async throws -> Result {
        let entries = messages.enumerated().map { index, message in
            var attributes = message.messageAttributes
            if attributes.count < 10 || attributes[options.markerAttribute] != nil {
                attributes[options.markerAttribute] = .string(message.messageID)
            }
            return SQSSendEntry(
                id: "m\(index)",
                body: message.body,
                messageAttributes: attributes,
                messageGroupID: targetIsFIFO ? (message.attributes["MessageGroupId"] ?? "redrive") : nil,
                messageDeduplicationID: targetIsFIFO ? message.messageID : nil
            )
        }
        var sentIDs: Set<String> = []
        var sendError: (any Error)?
        for group in Self.sizeLimitedGroups(entries) {
            do {
                let sent = try await client.sendMessageBatch(targetURL, entries: group)
                sentIDs.formUnion(sent.successful.map(\.id))
            } catch {
                // Still delete what earlier groups sent, so the failure leaves no duplicate behind.
                sendError = error
                break
            }
        }
        let sentMessages = entries.indices.filter { sentIDs.contains(entries[$0].id) }
        try await afterSend?(sentMessages.map { messages[$0] })
        var outcome = Result(sendFailed: messages.count - sentMessages.count)
        guard !sentMessages.isEmpty else {
            if let sendError { throw sendError }
            return outcome
        }
        let deletes = sentMessages.map {
            SQSReceiptEntry(id: entries[$0].id, receiptHandle: messages[$0].receiptHandle)
        }
        do {
            let deleted = try await client.deleteMessageBatch(dlqURL, entries: deletes)
            outcome.moved = deleted.successful.count
            outcome.deleteFailed = deleted.failed.count
        } catch {
            // The copies are in the target; the DLQ originals come back after the visibility timeout.
            outcome.deleteFailed = deletes.count
        }
        if let sendError { throw sendError }
        return outcome
    }

    /// SendMessageBatch refuses batches whose messages total more than 256 KiB: split so each group stays under it.
    static func sizeLimitedGroups(_ entries: [SQSSendEntry], limit: Int = 256 * 1024) -> [[SQSSendEntry]] {
        var groups: [[SQSSendEntry]] = []
        var current: [SQSSendEntry] = []
        var currentSize = 0
        for entry in entries {
            let size = payloadSize(entry)
            if !current.isEmpty, currentSize + size > limit {
                groups.append(current)
                current = []
                currentSize = 0
            }
            current.append(entry)
            currentSize += size
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// What SQS counts against the size limit: the body plus every attribute's name, type and value.
    static func payloadSize(_ entry: SQSSendEntry) -> Int {
        entry.body.utf8.count
            + entry.messageAttributes.reduce(0) { total, attribute in
                total + attribute.key.utf8.count + attribute.value.dataType.utf8.count
                    + (attribute.value.stringValue?.utf8.count ?? 0) + (attribute.value.binaryValue?.count ?? 0)
            }
    }
}
