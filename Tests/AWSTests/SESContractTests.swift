import Foundation
import LecternTestSupport
import Testing

@testable import AWS

/// Every body the SES client sends, held to botocore's own SES v2 model by `ses_contract.py` (required members, no
/// unknown members, types, lengths, and the operation's method and path as the model declares them); the wire
/// protocol (REST-JSON, SigV4 for `ses`) and the sorting of SES's refusals into `SESError` kinds checked here.
@Suite("SES client contract (botocore's service model)")
struct SESContractTests {
    static let testDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    static func client(
        recording log: CoreRequestLog,
        answer: @escaping @Sendable (String) -> (Int, [String: String], String)
    ) -> SESClient {
        let transport = FakeTransport { request in
            log.record(request)
            let (status, headers, body) = answer(request.url.path)
            var fields = HTTPHeaders()
            for (name, value) in headers { fields[name] = value }
            return HTTPResponse(status: status, headers: fields, body: Data(body.utf8))
        }
        let service = AWSServiceClient(
            service: .ses,
            configuration: AWSConfiguration(region: "eu-west-1"),
            transport: transport,
            credentials: StaticCredentialProvider(
                AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")
            ),
            retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1))
        )
        return SESClient(client: service)
    }

    static let email = SESEmail(
        from: "lectern@uni.example",
        to: ["prof@uni.example"],
        subject: "Ready: Week 1 — Logic",
        text: "Hello,\nyour lecture is ready.\n",
        html: "<p>Hello, <strong>ready</strong></p>",
        tags: ["lectern-outcome": "ready"]
    )

    struct Answer: Decodable {
        let http: String?
        let problems: [String]
    }

    /// Runs the validator over (operation, body) pairs.
    static func validate(_ cases: [(String, Any)]) async throws -> [Answer] {
        let input = try JSONSerialization.data(withJSONObject: cases.map { ["operation": $0.0, "body": $0.1] })
        let output = try await PythonRunner.run(script: "ses_contract.py", in: testDirectory, input: input)
        let answers = try JSONDecoder().decode([Answer].self, from: output)
        guard answers.count == cases.count else {
            throw PythonRunner.Failure(description: "validator answered \(answers.count) of \(cases.count)")
        }
        return answers
    }

    static func body(_ request: HTTPRequest) throws -> Any {
        guard case .data(let data) = request.body else {
            throw PythonRunner.Failure(description: "request body is not in memory")
        }
        return try JSONSerialization.jsonObject(with: data)
    }

    @Test func everyBodyTheClientSendsIsValidAgainstTheServiceModel() async throws {
        let log = CoreRequestLog()
        let ses = Self.client(recording: log) { path in
            (
                200, ["Content-Type": "application/json"],
                path.hasSuffix("outbound-emails") ? #"{"MessageId":"0100-abc"}"# : "{}"
            )
        }
        #expect(try await ses.sendEmail(Self.email) == "0100-abc")
        var untagged = Self.email
        untagged.tags = [:]
        try await ses.sendEmail(untagged)
        try await ses.createEmailIdentity("lectern@uni.example")

        let requests = log.requests
        #expect(requests.count == 3)
        let operations = ["SendEmail", "SendEmail", "CreateEmailIdentity"]
        let answers = try await Self.validate(try zip(operations, requests).map { ($0, try Self.body($1)) })
        for (request, answer) in zip(requests, answers) {
            #expect(answer.problems.isEmpty, "\(answer.problems)")
            // Method and path as the model declares the operation.
            #expect("\(request.method) \(request.url.path)" == answer.http)
            #expect(request.url.host == "email.eu-west-1.amazonaws.com")
            #expect(request.headers["Content-Type"] == "application/json")
            #expect(request.headers["Authorization"]?.contains("/eu-west-1/ses/aws4_request") == true)
        }
        let sent = try Self.body(requests[0]) as? [String: Any] ?? [:]
        let simple = ((sent["Content"] as? [String: Any])?["Simple"] as? [String: Any]) ?? [:]
        #expect((simple["Subject"] as? [String: Any])?["Data"] as? String == "Ready: Week 1 — Logic")
        #expect(
            ((simple["Body"] as? [String: Any])?["Html"] as? [String: Any])?["Data"] as? String
                == "<p>Hello, <strong>ready</strong></p>"
        )
        #expect((try Self.body(requests[1]) as? [String: Any])?["EmailTags"] == nil)
    }

    @Test func theValidatorCatchesWrongBodies() async throws {
        let good: [String: Any] = [
            "FromEmailAddress": "a@uni.example", "Destination": ["ToAddresses": ["p@uni.example"]],
            "Content": ["Simple": ["Subject": ["Data": "s"], "Body": ["Text": ["Data": "t"]]]],
        ]
        var unknown = good
        unknown["ReplyTo"] = "x"
        var wrongType = good
        wrongType["Destination"] = ["ToAddresses": "p@uni.example"]
        var missingSubject = good
        missingSubject["Content"] = ["Simple": ["Body": ["Text": ["Data": "t"]]]]
        var missingTagValue = good
        missingTagValue["EmailTags"] = [["Name": "lectern-outcome"]]
        let answers = try await Self.validate([
            ("SendEmail", good), ("SendEmail", unknown), ("SendEmail", wrongType),
            ("SendEmail", missingSubject), ("SendEmail", missingTagValue), ("CreateEmailIdentity", [String: Any]()),
            // A REST-JSON member the model binds to the URI must not travel in the body.
            ("GetEmailIdentity", ["EmailIdentity": "uni.example"]),
        ])
        #expect(answers[0].problems.isEmpty)
        #expect(answers[1].problems.contains { $0.contains("ReplyTo") })
        #expect(answers[2].problems.contains { $0.contains("ToAddresses: expected a list") })
        #expect(answers[3].problems.contains { $0.contains("Subject: required") })
        #expect(answers[4].problems.contains { $0.contains("Value: required") })
        #expect(answers[5].problems.contains { $0.contains("EmailIdentity: required") })
        #expect(answers[6].problems.contains { $0.contains("EmailIdentity: bound to uri") })
    }

    @Test func refusalsAreSortedIntoKinds() async throws {
        let cases: [(Int, String, String, SESError.ErrorType)] = [
            (
                400, "MessageRejected",
                """
                Email address is not verified. The following identities failed the check in region \
                EU-WEST-1: lectern@uni.example
                """,
                .senderNotVerified
            ),
            (400, "MessageRejected", "Illegal address", .messageRejected),
            (400, "SendingPausedException", "sending is paused", .sendingPaused),
            (400, "NotFoundException", "no such configuration set", .refused),
        ]
        for (status, code, message, expected) in cases {
            let log = CoreRequestLog()
            let ses = Self.client(recording: log) { _ in
                (status, ["x-amzn-ErrorType": "\(code):http://internal/"], #"{"message":"\#(message)"}"#)
            }
            await #expect { try await ses.sendEmail(Self.email) } throws: { error in
                guard let error = error as? SESError else { return false }
                return error.errorType == expected && error.code == code && error.status == status
            }
            #expect(log.requests.count == 1)
        }
    }

    /// A 503 may have come after SES accepted the mail: sending again could mail twice, so it is not retried.
    @Test func anOutageIsNotRetriedButThrottlingIs() async throws {
        let outage = CoreRequestLog()
        let down = Self.client(recording: outage) { _ in (503, [:], #"{"message":"Service Unavailable"}"#) }
        await #expect { try await down.sendEmail(Self.email) } throws: { ($0 as? SESError)?.errorType == .unavailable }
        #expect(outage.count == 1)

        let throttled = CoreRequestLog()
        let busy = Self.client(recording: throttled) { _ in
            (429, ["x-amzn-ErrorType": "TooManyRequestsException"], #"{"message":"Too many requests"}"#)
        }
        await #expect { try await busy.sendEmail(Self.email) } throws: { ($0 as? SESError)?.errorType == .throttled }
        #expect(throttled.count == 3)  // refused before processing: safe to send again
    }

    @Test func anAnswerWithoutAMessageIDIsMalformed() async throws {
        let ses = Self.client(recording: CoreRequestLog()) { _ in (200, [:], "{}") }
        await #expect { try await ses.sendEmail(Self.email) } throws: {
            ($0 as? SESError)?.errorType == .malformedResponse
        }
    }
}
