import Foundation
import Synchronization
import Testing

@testable import AWS

/// The server-side (StartMessageMoveTask) path of the redrive, which moto cannot play, against a scripted fake SQS.
@Suite("SQS redrive with a fake SQS")
struct SQSRedriveUnitTests {
    static let dlqURL = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs-dlq"
    static let targetURL = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"

    /// Answers by X-Amz-Target; `answer` gets the operation name and the request's JSON and returns (status, body).
    final class FakeSQS: Sendable {
        let calls = Mutex<[(operation: String, input: [String: any Sendable])]>([])
        let script: @Sendable (String, Int) -> (Int, String)

        init(script: @escaping @Sendable (_ operation: String, _ callNumber: Int) -> (Int, String)) {
            self.script = script
        }

        var operations: [String] { calls.withLock { $0.map(\.operation) } }
        func input(of operation: String) -> [String: any Sendable]? {
            calls.withLock { $0.first { $0.operation == operation }?.input }
        }

        func client() -> SQSClient {
            let transport = FakeTransport { request in
                let operation = String((request.headers["X-Amz-Target"] ?? "").dropFirst("AmazonSQS.".count))
                var input: [String: any Sendable] = [:]
                if case .data(let body) = request.body,
                    let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
                {
                    for (key, value) in object { input[key] = "\(value)" }
                }
                let number = self.calls.withLock { calls in
                    calls.append((operation, input))
                    return calls.filter { $0.operation == operation }.count
                }
                if operation == "GetQueueAttributes", let url = input["QueueUrl"] as? String {
                    let name = url.split(separator: "/").last.map(String.init) ?? ""
                    return HTTPResponse(
                        status: 200,
                        body: Data(#"{"Attributes":{"QueueArn":"arn:aws:sqs:us-east-1:123456789012:\#(name)"}}"#.utf8)
                    )
                }
                let (status, body) = self.script(operation, number)
                var headers: HTTPHeaders = [:]
                if status != 200 { headers["x-amzn-requestid"] = "req-\(number)" }
                return HTTPResponse(status: status, headers: headers, body: Data(body.utf8))
            }
            return SQSClient(
                client: AWSServiceClient(
                    service: .sqs,
                    configuration: AWSConfiguration(region: "us-east-1"),
                    transport: transport,
                    credentials: StaticCredentialProvider(
                        AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")
                    ),
                    retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1))
                )
            )
        }
    }

    static let fastPolling = SQSRedrive.Options(moveTaskPollInterval: .milliseconds(10))

    @Test func usesTheServerSideMoveTaskAndWaitsForIt() async throws {
        let fake = FakeSQS { operation, number in
            switch operation {
            case "StartMessageMoveTask": (200, #"{"TaskHandle":"task-1"}"#)
            case "ListMessageMoveTasks" where number < 3:
                (
                    200,
                    #"""
                    {"Results":[{"TaskHandle":"task-1","Status":"RUNNING",\#
                    "ApproximateNumberOfMessagesMoved":\#(number * 3)}]}
                    """#
                )
            case "ListMessageMoveTasks":
                (
                    200,
                    #"{"Results":[{"TaskHandle":"task-1","Status":"COMPLETED","ApproximateNumberOfMessagesMoved":42}]}"#
                )
            default: (400, #"{"__type":"UnexpectedCall","message":"\#(operation)"}"#)
            }
        }
        let result = try await SQSRedrive(client: fake.client(), options: Self.fastPolling).run(
            from: Self.dlqURL,
            to: Self.targetURL
        )
        #expect(result == SQSRedrive.Result(moved: 42, usedMoveTask: true))
        let start = try #require(fake.input(of: "StartMessageMoveTask"))
        #expect(start["SourceArn"] as? String == "arn:aws:sqs:us-east-1:123456789012:jobs-dlq")
        #expect(start["DestinationArn"] as? String == "arn:aws:sqs:us-east-1:123456789012:jobs")
        #expect(!fake.operations.contains("ReceiveMessage"))
    }

    @Test func failedMoveTaskIsAnError() async throws {
        let fake = FakeSQS { operation, _ in
            switch operation {
            case "StartMessageMoveTask": (200, #"{"TaskHandle":"task-2"}"#)
            case "ListMessageMoveTasks":
                (
                    200,
                    #"""
                    {"Results":[{"TaskHandle":"task-2","Status":"FAILED",\#
                    "FailureReason":"AccessDenied on destination"}]}
                    """#
                )
            default: (400, #"{"__type":"UnexpectedCall","message":"\#(operation)"}"#)
            }
        }
        let error = try await #require(throws: AWSError.self) {
            try await SQSRedrive(client: fake.client(), options: Self.fastPolling).run(
                from: Self.dlqURL,
                to: Self.targetURL
            )
        }
        #expect(error.code == "MessageMoveTaskFailed")
        #expect(error.message.contains("AccessDenied on destination"))
    }

    @Test func unknownOperationFallsBackToTheClientSideMove() async throws {
        let fake = FakeSQS { operation, _ in
            switch operation {
            case "StartMessageMoveTask": (400, #"{"__type":"com.amazon.coral.service#UnknownOperationException"}"#)
            case "ReceiveMessage": (200, #"{"Messages":[]}"#)
            default: (400, #"{"__type":"UnexpectedCall","message":"\#(operation)"}"#)
            }
        }
        let result = try await SQSRedrive(client: fake.client(), options: Self.fastPolling).run(
            from: Self.dlqURL,
            to: Self.targetURL
        )
        #expect(result == SQSRedrive.Result(moved: 0, usedMoveTask: false))
        #expect(fake.operations.suffix(2) == ["StartMessageMoveTask", "ReceiveMessage"])
    }

    @Test func otherStartErrorsAreNotMaskedByTheFallback() async throws {
        let fake = FakeSQS { operation, _ in
            (403, #"{"__type":"AccessDenied","message":"no sqs:StartMessageMoveTask"}"#)
        }
        let error = try await #require(throws: AWSError.self) {
            try await SQSRedrive(client: fake.client(), options: Self.fastPolling).run(
                from: Self.dlqURL,
                to: Self.targetURL
            )
        }
        #expect(error.code == "AccessDenied")
        #expect(!fake.operations.contains("ReceiveMessage"))
    }

    @Test func maxForcesTheClientSideMove() async throws {
        let fake = FakeSQS { operation, _ in
            operation == "ReceiveMessage"
                ? (200, "{}") : (400, #"{"__type":"UnexpectedCall","message":"\#(operation)"}"#)
        }
        let result = try await SQSRedrive(client: fake.client(), options: .init(maxMessages: 5)).run(
            from: Self.dlqURL,
            to: Self.targetURL
        )
        #expect(result.moved == 0)
        #expect(fake.operations == ["ReceiveMessage"])
    }

    @Test func batchesAreSplitUnderTheSizeLimit() {
        let entries = (0..<5).map {
            SQSSendEntry(
                id: "e\($0)",
                body: String(repeating: "x", count: 100_000),
                messageAttributes: ["k": .string("v")]
            )
        }
        let groups = SQSRedrive.sizeLimitedGroups(entries)
        #expect(groups.map(\.count) == [2, 2, 1])
        #expect(groups.flatMap { $0.map(\.id) } == entries.map(\.id))
        #expect(SQSRedrive.payloadSize(entries[0]) == 100_000 + 1 + 6 + 1)
        // One oversized message still goes, alone.
        #expect(
            SQSRedrive.sizeLimitedGroups([SQSSendEntry(id: "big", body: String(repeating: "y", count: 300_000))]).map(
                \.count
            ) == [1]
        )
    }
}
