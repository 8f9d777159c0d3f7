import Foundation

/// A message attribute (the user-defined kind, sent with the message). `dataType` is `String`, `Number` or
/// `Binary`, optionally with a custom suffix (`String.json`).
public struct SQSMessageAttributeValue: Sendable, Equatable, Codable {
    public var dataType: String
    public var stringValue: String?
    public var binaryValue: Data?

    public init(dataType: String, stringValue: String? = nil, binaryValue: Data? = nil) {
        self.dataType = dataType
        self.stringValue = stringValue
        self.binaryValue = binaryValue
    }

    public static func string(_ value: String) -> Self { Self(dataType: "String", stringValue: value) }
    public static func number(_ value: some BinaryInteger) -> Self { Self(dataType: "Number", stringValue: "\(value)") }
    public static func binary(_ value: Data) -> Self { Self(dataType: "Binary", binaryValue: value) }

    enum CodingKeys: String, CodingKey {
        case dataType = "DataType", stringValue = "StringValue", binaryValue = "BinaryValue"
    }
}

/// A received message. `attributes` are the system attributes asked for (`SentTimestamp`, …).
public struct SQSMessage: Sendable, Equatable {
    public var messageID: String
    public var receiptHandle: String
    public var body: String
    /// The hex MD5 SQS computed of the body; already checked against `body` when the message was received.
    public var md5OfBody: String
    public var attributes: [String: String]
    public var messageAttributes: [String: SQSMessageAttributeValue]

    public init(
        messageID: String,
        receiptHandle: String,
        body: String,
        md5OfBody: String,
        attributes: [String: String] = [:],
        messageAttributes: [String: SQSMessageAttributeValue] = [:]
    ) {
        self.messageID = messageID
        self.receiptHandle = receiptHandle
        self.body = body
        self.md5OfBody = md5OfBody
        self.attributes = attributes
        self.messageAttributes = messageAttributes
    }

    /// How many times the message has been received, this time included (asks for `ApproximateReceiveCount`).
    public var receiveCount: Int? { attributes["ApproximateReceiveCount"].flatMap { Int($0) } }
    /// When SQS accepted the message (asks for `SentTimestamp`).
    public var sentTimestamp: Date? { Self.date(attributes["SentTimestamp"]) }
    /// When the message was first received (asks for `ApproximateFirstReceiveTimestamp`).
    public var firstReceiveTimestamp: Date? { Self.date(attributes["ApproximateFirstReceiveTimestamp"]) }

    /// SQS timestamps are epoch milliseconds.
    static func date(_ text: String?) -> Date? {
        guard let text, let milliseconds = Double(text) else { return nil }
        return Date(timeIntervalSince1970: milliseconds / 1000)
    }
}

/// Sends the messages a queue could not process `maxReceiveCount` times to `deadLetterTargetArn`.
public struct SQSRedrivePolicy: Sendable, Equatable, Codable {
    public var deadLetterTargetArn: String
    public var maxReceiveCount: Int

    public init(deadLetterTargetArn: String, maxReceiveCount: Int) {
        self.deadLetterTargetArn = deadLetterTargetArn
        self.maxReceiveCount = maxReceiveCount
    }

    enum CodingKeys: String, CodingKey { case deadLetterTargetArn, maxReceiveCount }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        deadLetterTargetArn = try container.decode(String.self, forKey: .deadLetterTargetArn)
        // AWS answers a number, older tools and moto sometimes a string.
        if let number = try? container.decode(Int.self, forKey: .maxReceiveCount) {
            maxReceiveCount = number
        } else if let text = try? container.decode(String.self, forKey: .maxReceiveCount), let number = Int(text) {
            maxReceiveCount = number
        } else {
            throw DecodingError.dataCorruptedError(
                forKey: .maxReceiveCount,
                in: container,
                debugDescription: "maxReceiveCount is neither a number nor a numeric string"
            )
        }
    }

    /// The JSON text SQS expects as the `RedrivePolicy` attribute.
    public var attributeValue: String {
        "{\"deadLetterTargetArn\":\"\(deadLetterTargetArn)\",\"maxReceiveCount\":\(maxReceiveCount)}"
    }

    init?(attributeValue: String) {
        guard let policy = try? JSONDecoder().decode(Self.self, from: Data(attributeValue.utf8)) else { return nil }
        self = policy
    }
}

/// Attributes of a new queue. Unset fields keep SQS's defaults; `other` passes any attribute not typed here.
public struct SQSQueueSettings: Sendable, Equatable {
    /// Seconds a received message stays hidden (0…43200; SQS default 30).
    public var visibilityTimeout: Int?
    /// Seconds a message is kept (60…1209600; SQS default 345600 = 4 days).
    public var messageRetentionPeriod: Int?
    /// Default long-poll wait for receives (0…20).
    public var receiveMessageWaitTimeSeconds: Int?
    public var delaySeconds: Int?
    public var redrivePolicy: SQSRedrivePolicy?
    public var other: [String: String]

    public init(
        visibilityTimeout: Int? = nil,
        messageRetentionPeriod: Int? = nil,
        receiveMessageWaitTimeSeconds: Int? = nil,
        delaySeconds: Int? = nil,
        redrivePolicy: SQSRedrivePolicy? = nil,
        other: [String: String] = [:]
    ) {
        self.visibilityTimeout = visibilityTimeout
        self.messageRetentionPeriod = messageRetentionPeriod
        self.receiveMessageWaitTimeSeconds = receiveMessageWaitTimeSeconds
        self.delaySeconds = delaySeconds
        self.redrivePolicy = redrivePolicy
        self.other = other
    }

    var attributes: [String: String] {
        var result = other
        if let visibilityTimeout { result["VisibilityTimeout"] = String(visibilityTimeout) }
        if let messageRetentionPeriod { result["MessageRetentionPeriod"] = String(messageRetentionPeriod) }
        if let receiveMessageWaitTimeSeconds {
            result["ReceiveMessageWaitTimeSeconds"] = String(receiveMessageWaitTimeSeconds)
        }
        if let delaySeconds { result["DelaySeconds"] = String(delaySeconds) }
        if let redrivePolicy { result["RedrivePolicy"] = redrivePolicy.attributeValue }
        return result
    }
}

/// A queue's attributes as GetQueueAttributes answered them, with typed accessors for the ones Lectern reads.
public struct SQSQueueAttributes: Sendable, Equatable {
    public var raw: [String: String]

    public init(raw: [String: String]) { self.raw = raw }

    public var approximateNumberOfMessages: Int? { int("ApproximateNumberOfMessages") }
    public var approximateNumberOfMessagesNotVisible: Int? { int("ApproximateNumberOfMessagesNotVisible") }
    public var approximateNumberOfMessagesDelayed: Int? { int("ApproximateNumberOfMessagesDelayed") }
    public var queueArn: String? { raw["QueueArn"] }
    public var visibilityTimeout: Int? { int("VisibilityTimeout") }
    public var messageRetentionPeriod: Int? { int("MessageRetentionPeriod") }
    public var receiveMessageWaitTimeSeconds: Int? { int("ReceiveMessageWaitTimeSeconds") }
    public var redrivePolicy: SQSRedrivePolicy? { raw["RedrivePolicy"].flatMap(SQSRedrivePolicy.init(attributeValue:)) }

    private func int(_ name: String) -> Int? { raw[name].flatMap { Int($0) } }
}

/// One message of a SendMessageBatch. `id` must be unique within the batch (letters, digits, `-`, `_`; ≤ 80).
public struct SQSSendEntry: Sendable, Equatable {
    public var id: String
    public var body: String
    public var delaySeconds: Int?
    public var messageAttributes: [String: SQSMessageAttributeValue]
    /// FIFO queues only.
    public var messageGroupID: String?
    public var messageDeduplicationID: String?

    public init(
        id: String,
        body: String,
        delaySeconds: Int? = nil,
        messageAttributes: [String: SQSMessageAttributeValue] = [:],
        messageGroupID: String? = nil,
        messageDeduplicationID: String? = nil
    ) {
        self.id = id
        self.body = body
        self.delaySeconds = delaySeconds
        self.messageAttributes = messageAttributes
        self.messageGroupID = messageGroupID
        self.messageDeduplicationID = messageDeduplicationID
    }
}

/// What SendMessage answered.
public struct SQSSentMessage: Sendable, Equatable {
    public var messageID: String
    public var md5OfBody: String?
    public var sequenceNumber: String?
}

/// One entry of a batch that SQS refused (the rest of the batch may have succeeded).
public struct SQSBatchFailure: Sendable, Equatable {
    public var id: String
    public var code: String
    public var message: String?
    /// True when the entry itself is bad (retrying it unchanged will fail again).
    public var senderFault: Bool
}

/// The outcome of a batch call: which entry ids succeeded and which failed.
public struct SQSBatchResult<Success: Sendable & Equatable>: Sendable, Equatable {
    public var successful: [Success]
    public var failed: [SQSBatchFailure]
}

public struct SQSSendBatchSuccess: Sendable, Equatable {
    public var id: String
    public var messageID: String
    public var md5OfBody: String?
}

/// A receipt handle with its batch entry id (for DeleteMessageBatch / ChangeMessageVisibilityBatch).
public struct SQSReceiptEntry: Sendable, Equatable {
    public var id: String
    public var receiptHandle: String
    /// Only for ChangeMessageVisibilityBatch.
    public var visibilityTimeout: Int?

    public init(id: String, receiptHandle: String, visibilityTimeout: Int? = nil) {
        self.id = id
        self.receiptHandle = receiptHandle
        self.visibilityTimeout = visibilityTimeout
    }
}

/// Errors the SQS client raises itself (the service's own errors are `AWSError`s).
///
/// A struct over a private enum, as jwt-kit's `JWTError` is: callers compare `kind` (or whole errors, which are
/// `Equatable`) and read the fields, so adding a kind does not break a caller's exhaustive `switch`.
public struct SQSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which failure this is. New kinds may be added; compare with `==` rather than switching exhaustively.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case bodyChecksumMismatch, sentChecksumMismatch, attributesChecksumMismatch, invalidArgument
        }
        fileprivate let base: Base

        /// The body SQS delivered does not hash to the MD5 it announced: corrupted on the way.
        public static let bodyChecksumMismatch = Kind(base: .bodyChecksumMismatch)
        /// SendMessage answered an MD5 that does not match the body we sent.
        public static let sentChecksumMismatch = Kind(base: .sentChecksumMismatch)
        /// The message attributes sent or received do not hash to the `MD5OfMessageAttributes` SQS announced.
        public static let attributesChecksumMismatch = Kind(base: .attributesChecksumMismatch)
        /// The caller asked for something SQS would refuse (a limit out of range); nothing was sent.
        public static let invalidArgument = Kind(base: .invalidArgument)

        public var description: String { base.rawValue }
    }

    public let kind: Kind
    /// The message concerned, for the checksum kinds that name one.
    public let messageID: String?
    /// For the checksum kinds: the MD5 SQS announced (or, for `sentChecksumMismatch`, the one we computed) and the one
    /// found.
    public let expectedMD5: String?
    public let actualMD5: String?
    /// For `invalidArgument`: what was wrong.
    public let reason: String?

    private init(
        _ kind: Kind,
        messageID: String? = nil,
        expected: String? = nil,
        actual: String? = nil,
        reason: String? = nil
    ) {
        self.kind = kind
        self.messageID = messageID
        self.expectedMD5 = expected
        self.actualMD5 = actual
        self.reason = reason
    }

    public static func bodyChecksumMismatch(messageID: String, expected: String, actual: String) -> SQSError {
        SQSError(.bodyChecksumMismatch, messageID: messageID, expected: expected, actual: actual)
    }

    public static func sentChecksumMismatch(expected: String, actual: String) -> SQSError {
        SQSError(.sentChecksumMismatch, expected: expected, actual: actual)
    }

    public static func attributesChecksumMismatch(messageID: String, expected: String, actual: String) -> SQSError {
        SQSError(.attributesChecksumMismatch, messageID: messageID, expected: expected, actual: actual)
    }

    public static func invalidArgument(_ reason: String) -> SQSError { SQSError(.invalidArgument, reason: reason) }

    public var description: String {
        let id = messageID ?? "", expected = expectedMD5 ?? "", actual = actualMD5 ?? ""
        switch kind.base {
        case .bodyChecksumMismatch: return "SQS message \(id): body MD5 is \(actual), SQS announced \(expected)"
        case .sentChecksumMismatch:
            return "SQS acknowledged a body with MD5 \(actual), but we sent one with MD5 \(expected)"
        case .attributesChecksumMismatch:
            return "SQS message \(id): message attributes MD5 is \(actual), SQS announced \(expected)"
        case .invalidArgument: return "invalid SQS request: \(reason ?? "")"
        }
    }
}
