import Crypto
import Foundation

// The JSON shapes of SQS's JSON protocol (AmazonSQS.<Operation>). Internal: callers see the types in SQSTypes.swift.

struct SQSCreateQueueInput: Encodable {
    var QueueName: String
    var Attributes: [String: String]?
}

struct SQSQueueURLOutput: Decodable { var QueueUrl: String }

struct SQSGetQueueURLInput: Encodable {
    var QueueName: String
    var QueueOwnerAWSAccountId: String?
}

struct SQSQueueURLInput: Encodable { var QueueUrl: String }

struct SQSGetQueueAttributesInput: Encodable {
    var QueueUrl: String
    var AttributeNames: [String]
}

struct SQSGetQueueAttributesOutput: Decodable { var Attributes: [String: String]? }

struct SQSSendMessageInput: Encodable {
    var QueueUrl: String
    var MessageBody: String
    var DelaySeconds: Int?
    var MessageAttributes: [String: SQSMessageAttributeValue]?
    var MessageGroupId: String?
    var MessageDeduplicationId: String?
}

struct SQSSendMessageOutput: Decodable {
    var MessageId: String
    var MD5OfMessageBody: String?
    var MD5OfMessageAttributes: String?
    var SequenceNumber: String?
}

struct SQSSendMessageBatchInput: Encodable {
    struct Entry: Encodable {
        var Id: String
        var MessageBody: String
        var DelaySeconds: Int?
        var MessageAttributes: [String: SQSMessageAttributeValue]?
        var MessageGroupId: String?
        var MessageDeduplicationId: String?
    }
    var QueueUrl: String
    var Entries: [Entry]
}

struct SQSBatchFailureWire: Decodable {
    var Id: String
    var Code: String
    var Message: String?
    var SenderFault: Bool

    enum CodingKeys: String, CodingKey { case Id, Code, Message, SenderFault }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        Id = try container.decode(String.self, forKey: .Id)
        Code = try container.decode(String.self, forKey: .Code)
        Message = try container.decodeIfPresent(String.self, forKey: .Message)
        // A boolean on AWS; moto sometimes sends the string "true".
        if let flag = try? container.decode(Bool.self, forKey: .SenderFault) {
            SenderFault = flag
        } else {
            SenderFault = (try? container.decode(String.self, forKey: .SenderFault)) == "true"
        }
    }

    var failure: SQSBatchFailure { SQSBatchFailure(id: Id, code: Code, message: Message, senderFault: SenderFault) }
}

struct SQSSendMessageBatchOutput: Decodable {
    struct Success: Decodable {
        var Id: String
        var MessageId: String
        var MD5OfMessageBody: String?
    }
    var Successful: [Success]?
    var Failed: [SQSBatchFailureWire]?
}

struct SQSReceiveMessageInput: Encodable {
    var QueueUrl: String
    var MaxNumberOfMessages: Int?
    var VisibilityTimeout: Int?
    var WaitTimeSeconds: Int?
    var MessageSystemAttributeNames: [String]?
    // The older name of the same list; sent too so endpoints that predate the rename still answer the attributes.
    var AttributeNames: [String]?
    var MessageAttributeNames: [String]?
}

struct SQSReceiveMessageOutput: Decodable {
    struct Message: Decodable {
        var MessageId: String
        var ReceiptHandle: String
        var MD5OfBody: String
        var Body: String
        var MD5OfMessageAttributes: String?
        var Attributes: [String: String]?
        var MessageAttributes: [String: SQSMessageAttributeValue]?
    }
    var Messages: [Message]?
}

struct SQSDeleteMessageInput: Encodable {
    var QueueUrl: String
    var ReceiptHandle: String
}

struct SQSChangeVisibilityInput: Encodable {
    var QueueUrl: String
    var ReceiptHandle: String
    var VisibilityTimeout: Int
}

struct SQSReceiptBatchInput: Encodable {
    struct Entry: Encodable {
        var Id: String
        var ReceiptHandle: String
        var VisibilityTimeout: Int?
    }
    var QueueUrl: String
    var Entries: [Entry]
}

struct SQSIDBatchOutput: Decodable {
    struct Success: Decodable { var Id: String }
    var Successful: [Success]?
    var Failed: [SQSBatchFailureWire]?
}

struct SQSStartMoveTaskInput: Encodable {
    var SourceArn: String
    var DestinationArn: String?
    var MaxNumberOfMessagesPerSecond: Int?
}

struct SQSStartMoveTaskOutput: Decodable { var TaskHandle: String }

struct SQSListMoveTasksInput: Encodable {
    var SourceArn: String
    var MaxResults: Int?
}

struct SQSListMoveTasksOutput: Decodable {
    struct Task: Decodable {
        var TaskHandle: String?
        var Status: String
        var ApproximateNumberOfMessagesMoved: Int?
        var ApproximateNumberOfMessagesToMove: Int?
        var FailureReason: String?
        var StartedTimestamp: Int?
    }
    var Results: [Task]?
}

struct SQSCancelMoveTaskInput: Encodable { var TaskHandle: String }

struct SQSEmptyOutput: Decodable {}

enum SQSChecksum {
    /// Lower-case hex MD5 of the UTF-8 body, as SQS computes `MD5OfBody`.
    static func md5Hex(_ text: String) -> String {
        hex(Insecure.MD5.hash(data: Data(text.utf8)))
    }

    /// `MD5OfMessageAttributes` as SQS computes it: over the attributes sorted by name, each as length-prefixed
    /// (4-byte big-endian) name and data type, a transport byte (1 text, 2 binary), and the length-prefixed value.
    static func md5Hex(_ attributes: [String: SQSMessageAttributeValue]) -> String {
        var md5 = Insecure.MD5()
        func field(_ bytes: some Collection<UInt8>) {
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { md5.update(bufferPointer: $0) }
            md5.update(data: Data(bytes))
        }
        for name in attributes.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let value = attributes[name]!
            field(name.utf8)
            field(value.dataType.utf8)
            if let binary = value.binaryValue {
                md5.update(data: Data([2]))
                field(binary)
            } else {
                md5.update(data: Data([1]))
                field((value.stringValue ?? "").utf8)
            }
        }
        return hex(md5.finalize())
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
