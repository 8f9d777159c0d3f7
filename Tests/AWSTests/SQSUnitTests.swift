import Foundation
import Synchronization
import Testing

@testable import AWS

/// SQS client logic above the wire, with canned answers from a FakeTransport.
@Suite("SQS client with a fake transport")
struct SQSUnitTests {
    static let queueURL = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"

    final class RequestLog: Sendable {
        let requests = Mutex<[HTTPRequest]>([])
        var count: Int { requests.withLock { $0.count } }
        var first: HTTPRequest? { requests.withLock { $0.first } }
        func clear() { requests.withLock { $0.removeAll() } }
    }

    /// A client whose every request is recorded and answered with `answer`.
    func client(
        recording log: RequestLog? = nil,
        status: Int = 200,
        headers: HTTPHeaders = [:],
        answer: String
    ) -> SQSClient {
        let transport = FakeTransport { request in
            log?.requests.withLock { $0.append(request) }
            return HTTPResponse(status: status, headers: headers, body: Data(answer.utf8))
        }
        let configuration = AWSConfiguration(region: "us-east-1")
        let service = AWSServiceClient(
            service: .sqs,
            configuration: configuration,
            transport: transport,
            credentials: StaticCredentialProvider(
                AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")
            ),
            retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1))
        )
        return SQSClient(client: service)
    }

    static func md5(_ text: String) -> String {
        // Known answers, so the test does not lean on the code under test.
        ["hello": "5d41402abc4b2a76b9719d911017c592", "other": "795f3202b17cb6bc3d4b771d8c6c9eaf"][text]!
    }

    static func receiveAnswer(body: String, md5: String) -> String {
        """
        {"Messages":[{"MessageId":"m-1","ReceiptHandle":"rh-1","MD5OfBody":"\(md5)","Body":"\(body)",
          "Attributes":{"ApproximateReceiveCount":"4","SentTimestamp":"1700000000123",\
        "ApproximateFirstReceiveTimestamp":"1700000001000"},
          "MessageAttributes":{"kind":{"DataType":"String","StringValue":"transcode"}}}]}
        """
    }

    @Test func receiveDecodesTypedMessagesAndSendsALongPollRequest() async throws {
        let log = RequestLog()
        let sqs = client(recording: log, answer: Self.receiveAnswer(body: "hello", md5: Self.md5("hello")))
        let messages = try await sqs.receiveMessages(
            Self.queueURL,
            maxMessages: 5,
            waitTimeSeconds: 20,
            visibilityTimeout: 30
        )

        let message = try #require(messages.first)
        #expect(message.messageID == "m-1")
        #expect(message.receiptHandle == "rh-1")
        #expect(message.body == "hello")
        #expect(message.receiveCount == 4)
        #expect(message.sentTimestamp == Date(timeIntervalSince1970: 1_700_000_000.123))
        #expect(message.firstReceiveTimestamp == Date(timeIntervalSince1970: 1_700_000_001))
        #expect(message.messageAttributes == ["kind": .string("transcode")])

        let request = try #require(log.first)
        #expect(request.method == "POST")
        #expect(request.headers["X-Amz-Target"] == "AmazonSQS.ReceiveMessage")
        #expect(request.headers["Content-Type"] == "application/x-amz-json-1.0")
        #expect(request.headers["Authorization"]?.hasPrefix("AWS4-HMAC-SHA256 ") == true)
        // The transport must not give up before SQS ends the 20 s poll.
        let timeouts = try #require(request.timeouts)
        #expect(try #require(timeouts.total) > .seconds(20))
        #expect(timeouts.lowSpeedWindow > .seconds(20))
        guard case .data(let body) = request.body else {
            Issue.record("expected a JSON body")
            return
        }
        let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(json["QueueUrl"] as? String == Self.queueURL)
        #expect(json["WaitTimeSeconds"] as? Int == 20)
        #expect(json["MaxNumberOfMessages"] as? Int == 5)
        #expect(json["VisibilityTimeout"] as? Int == 30)
        #expect(json["MessageSystemAttributeNames"] as? [String] == SQSClient.defaultSystemAttributes)
    }

    @Test func bodyThatDoesNotMatchItsMD5Throws() async throws {
        let sqs = client(answer: Self.receiveAnswer(body: "hello", md5: Self.md5("other")))
        let error = try await #require(throws: SQSError.self) { try await sqs.receiveMessages(Self.queueURL) }
        #expect(
            error == .bodyChecksumMismatch(messageID: "m-1", expected: Self.md5("other"), actual: Self.md5("hello"))
        )
    }

    @Test func attributesMD5MatchesSQSKnownAnswer() {
        // The answer moto (which follows AWS's algorithm) gave for this one attribute.
        #expect(SQSChecksum.md5Hex(["a": .string("x")]) == "a512aac9938034acb0b3c3d965944bf1")
        #expect(
            SQSChecksum.md5Hex(["a": .string("x"), "b": .binary(Data([1]))])
                != SQSChecksum.md5Hex(["a": .string("x"), "b": .string("\u{1}")])
        )
    }

    @Test func attributesThatDoNotMatchTheirMD5Throw() async throws {
        let answer =
            #"""
            {"Messages":[{"MessageId":"m-2","ReceiptHandle":"rh","MD5OfBody":"\#(Self.md5("hello"))",\#
            "Body":"hello","MD5OfMessageAttributes":"a512aac9938034acb0b3c3d965944bf1",\#
            "MessageAttributes":{"a":{"DataType":"String","StringValue":"y"}}}]}
            """#
        let sqs = client(answer: answer)
        let error = try await #require(throws: SQSError.self) { try await sqs.receiveMessages(Self.queueURL) }
        #expect(error.kind == .attributesChecksumMismatch, "unexpected \(error)")
        #expect(error.messageID == "m-2")
        #expect(error.expectedMD5 == "a512aac9938034acb0b3c3d965944bf1")
        // Asking for some attributes only: the digest covers all of them, so it is not checked.
        let some = try await sqs.receiveMessages(Self.queueURL, messageAttributes: ["a"])
        #expect(some.first?.messageAttributes["a"] == .string("y"))
    }

    @Test func sendAcknowledgedWithAnotherMD5Throws() async throws {
        let sqs = client(answer: #"{"MessageId":"m-9","MD5OfMessageBody":"\#(Self.md5("other"))"}"#)
        await #expect(throws: SQSError.sentChecksumMismatch(expected: Self.md5("hello"), actual: Self.md5("other"))) {
            try await sqs.sendMessage(Self.queueURL, body: "hello")
        }
    }

    @Test func batchSuccessWithAWrongMD5IsReportedAsAFailure() async throws {
        let sqs = client(
            answer: """
                {"Successful":[{"Id":"a","MessageId":"m-a","MD5OfMessageBody":"\(Self.md5("hello"))"},
                               {"Id":"b","MessageId":"m-b","MD5OfMessageBody":"\(Self.md5("hello"))"}],
                 "Failed":[{"Id":"c","SenderFault":"true","Code":"InvalidParameterValue","Message":"too long"}]}
                """
        )
        let result = try await sqs.sendMessageBatch(
            Self.queueURL,
            entries: [
                SQSSendEntry(id: "a", body: "hello"), SQSSendEntry(id: "b", body: "other"),
                SQSSendEntry(id: "c", body: "x"),
            ]
        )
        #expect(result.successful.map(\.id) == ["a"])
        #expect(result.failed.map(\.id) == ["c", "b"])
        #expect(result.failed.map(\.code) == ["InvalidParameterValue", "MD5Mismatch"])
        #expect(result.failed.first?.senderFault == true)
    }

    @Test func sendIsNotRetriedButReceiveIs() async throws {
        let log = RequestLog()
        let sqs = client(recording: log, status: 503, answer: #"{"__type":"ServiceUnavailable","message":"try later"}"#)
        await #expect(throws: AWSError.self) { try await sqs.sendMessage(Self.queueURL, body: "hello") }
        #expect(log.count == 1)

        log.clear()
        await #expect(throws: AWSError.self) { try await sqs.receiveMessages(Self.queueURL, waitTimeSeconds: 0) }
        #expect(log.count == 3)
    }

    @Test func queryErrorHeaderGivesTheLegacyCode() async throws {
        var headers: HTTPHeaders = [:]
        headers["x-amzn-query-error"] = "AWS.SimpleQueueService.NonExistentQueue;Sender"
        let sqs = client(
            status: 400,
            headers: headers,
            answer: #"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#
        )
        let error = try await #require(throws: AWSError.self) { try await sqs.queueURL(named: "nope") }
        #expect(error.code == "AWS.SimpleQueueService.NonExistentQueue")
        #expect(error.isNotFound)
    }

    @Test func malformedAnswerIsATypedError() async throws {
        let sqs = client(answer: #"{"Messages":[{"MessageId":"m-1"}]}"#)
        let error = try await #require(throws: AWSError.self) { try await sqs.receiveMessages(Self.queueURL) }
        #expect(error.code == "MalformedResponse")
    }

    @Test func badArgumentsFailBeforeAnyRequest() async throws {
        let log = RequestLog()
        let sqs = client(recording: log, answer: "{}")
        await #expect(throws: SQSError.self) { try await sqs.sendMessage(Self.queueURL, body: "x", delaySeconds: 901) }
        await #expect(throws: SQSError.self) { try await sqs.receiveMessages(Self.queueURL, maxMessages: 0) }
        await #expect(throws: SQSError.self) {
            try await sqs.changeMessageVisibilityBatch(
                Self.queueURL,
                entries: [SQSReceiptEntry(id: "a", receiptHandle: "rh")]
            )
        }
        await #expect(throws: SQSError.self) {
            try await sqs.deleteMessageBatch(
                Self.queueURL,
                entries: (0..<11).map { SQSReceiptEntry(id: "\($0)", receiptHandle: "rh") }
            )
        }
        #expect(log.count == 0)
    }

    @Test func redrivePolicyAttributeRoundTrips() throws {
        let policy = SQSRedrivePolicy(deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:dlq", maxReceiveCount: 5)
        let attributes = SQSQueueAttributes(raw: ["RedrivePolicy": policy.attributeValue])
        #expect(attributes.redrivePolicy == policy)
        let quoted = SQSQueueAttributes(raw: [
            "RedrivePolicy": #"{"deadLetterTargetArn":"arn:x","maxReceiveCount":"7"}"#
        ])
        #expect(quoted.redrivePolicy == SQSRedrivePolicy(deadLetterTargetArn: "arn:x", maxReceiveCount: 7))
        #expect(SQSQueueAttributes(raw: ["RedrivePolicy": "garbage"]).redrivePolicy == nil)
    }

    @Test func moveTaskFallbackRecognisesUnsupportedEndpoints() {
        // moto: a bare HTML 500 without a request id.
        #expect(
            SQSRedrive.isMoveTaskUnavailable(AWSError(code: "InternalError", message: "", status: 500, service: "sqs"))
        )
        #expect(
            SQSRedrive.isMoveTaskUnavailable(
                AWSError(code: "UnknownOperationException", message: "", status: 400, service: "sqs")
            )
        )
        // A real AWS 500 carries a request id: that is a failure, not a missing feature.
        #expect(
            !SQSRedrive.isMoveTaskUnavailable(
                AWSError(code: "InternalError", message: "", requestID: "r-1", status: 500, service: "sqs")
            )
        )
        #expect(
            !SQSRedrive.isMoveTaskUnavailable(
                AWSError(code: "AccessDenied", message: "", requestID: "r-2", status: 403, service: "sqs")
            )
        )
    }
}
