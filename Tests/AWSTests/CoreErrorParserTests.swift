import Foundation
import Testing

@testable import AWS

@Suite("AWSErrorParser")
struct CoreErrorParserTests {
    func parse(_ status: Int, _ body: String, headers: [String: String] = [:], service: String = "s3") -> AWSError {
        AWSErrorParser.parse(status: status, headers: headers, body: Data(body.utf8), service: service)
    }

    @Test func s3XMLError() {
        let error = parse(
            404,
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>
            <Key>a/b</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>
            """
        )
        #expect(error.code == "NoSuchKey")
        #expect(error.message == "The specified key does not exist.")
        #expect(error.requestID == "4442587FB7D0A2F9")
        #expect(error.status == 404)
        #expect(error.isNotFound)
        #expect(!error.isRetryable)
        #expect(error.service == "s3")
    }

    @Test func s3SignatureMismatch() {
        let error = parse(
            403,
            """
            <Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated \
            does not match</Message></Error>
            """
        )
        #expect(error.isSignatureMismatch)
        #expect(!error.isRetryable)
    }

    @Test func s3SlowDownIsRetryable() {
        let error = parse(
            503,
            "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
        )
        #expect(error.code == "SlowDown")
        #expect(error.isRetryable)
    }

    @Test func sqsQueryXMLError() {
        let error = parse(
            400,
            """
            <?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">
            <Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>
            <Message>The specified queue does not exist.</Message><Detail/></Error>
            <RequestId>42d59b56-7407-4c4a-be0f-4c88daeea257</RequestId></ErrorResponse>
            """,
            service: "sqs"
        )
        #expect(error.code == "AWS.SimpleQueueService.NonExistentQueue")
        #expect(error.message == "The specified queue does not exist.")
        #expect(error.requestID == "42d59b56-7407-4c4a-be0f-4c88daeea257")
        #expect(error.isNotFound)
    }

    @Test func dynamoDBJSONTypeWithNamespace() {
        let error = parse(
            400,
            #"""
            {"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",\#
            "message":"The conditional request failed"}
            """#,
            headers: ["x-amzn-requestid": "ABC"],
            service: "dynamodb"
        )
        #expect(error.code == "ConditionalCheckFailedException")
        #expect(error.message == "The conditional request failed")
        #expect(error.requestID == "ABC")
        #expect(error.isConditionFailed)
    }

    @Test func jsonTypeWithColonSuffixAndCapitalMessage() {
        let error = parse(400, #"{"__type":"ValidationException:http://internal.amazon.com/coral/","Message":"bad"}"#)
        #expect(error.code == "ValidationException")
        #expect(error.message == "bad")
    }

    @Test func jsonThrottlingIsRetryable() {
        let error = parse(
            400,
            #"""
            {"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",\#
            "message":"slow down"}
            """#
        )
        #expect(error.isRetryable)
    }

    @Test func queryErrorHeaderWins() {
        let error = parse(
            400,
            #"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#,
            headers: ["x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender"],
            service: "sqs"
        )
        #expect(error.code == "AWS.SimpleQueueService.NonExistentQueue")
        #expect(error.message == "The specified queue does not exist.")
    }

    @Test func queryErrorHeaderWithGarbageBody() {
        let error = parse(
            400,
            "not json",
            headers: ["x-amzn-query-error": "AWS.SimpleQueueService.PurgeQueueInProgress;Sender"]
        )
        #expect(error.code == "AWS.SimpleQueueService.PurgeQueueInProgress")
        #expect(error.message == "Bad Request")
    }

    @Test(arguments: [
        (500, "<html><body>Internal</body></html>", "InternalError"),
        (503, "<Error><Code>", "ServiceUnavailable"),
        (502, "", "HTTP502"),
        (404, "{\"unterminated", "NotFound"),
        (403, "\u{0}\u{1}\u{2}binary", "AccessDenied"),
        (418, "[1, 2, 3]", "HTTP418"),
    ])
    func garbageBodiesFallBackToStatus(status: Int, body: String, code: String) {
        let error = parse(status, body)
        #expect(error.code == code)
        #expect(error.status == status)
        #expect(error.isRetryable == [500, 502, 503, 504].contains(status))
    }

    @Test func garbageBodyIsQuotedInTheMessage() {
        let error = parse(500, "upstream exploded\nsecond line")
        #expect(error.message.contains("upstream exploded second line"))
    }

    @Test func errorTypeHeaderWithoutBody() {
        let error = parse(400, "", headers: ["x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/"])
        #expect(error.code == "ThrottlingException")
        #expect(error.isRetryable)
    }

    @Test func xmlWithoutCodeFallsBack() {
        let error = parse(409, "<Error><Message>only a message</Message></Error>")
        #expect(error.code == "HTTP409")
    }

    @Test func hugeGarbageBodyIsTruncatedInMessage() {
        let body = String(repeating: "x", count: 100_000)
        let error = parse(500, body)
        #expect(error.message.count < 400)
    }
}
