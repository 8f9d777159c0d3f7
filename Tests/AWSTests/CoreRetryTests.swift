import Foundation
import Synchronization
import Testing

@testable import AWS

/// Counts what a `FakeTransport` saw.
final class CoreRequestLog: Sendable {
    private let state = Mutex<[HTTPRequest]>([])
    func record(_ request: HTTPRequest) { state.withLock { $0.append(request) } }
    var count: Int { state.withLock { $0.count } }
    var requests: [HTTPRequest] { state.withLock { $0 } }
}

let coreTestCredentials = AWSCredentials(
    accessKeyID: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

func coreFakeClient(
    _ service: AWSService = .s3,
    attempts: Int = 3,
    _ handler: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse
) -> AWSServiceClient {
    AWSServiceClient(
        service: service,
        configuration: AWSConfiguration(region: "us-east-1", endpoint: URL(string: "http://127.0.0.1:9")!),
        transport: FakeTransport(handler),
        credentials: StaticCredentialProvider(coreTestCredentials),
        retry: RetryPolicy(maxAttempts: attempts, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
    )
}

@Suite("RetryPolicy")
struct CoreRetryTests {
    let url = URL(string: "http://127.0.0.1:9/bucket/key")!

    @Test func delayIsBoundedByCapAndJitter() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        #expect(policy.delay(afterAttempt: 0, random: 0.999) < .milliseconds(100))
        #expect(policy.delay(afterAttempt: 2, random: 0.5) == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 40, random: 0.999) <= .seconds(1))
        #expect(policy.delay(afterAttempt: 5, random: 0) == .zero)
    }

    @Test func maxAttemptsIsAtLeastOne() {
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
        #expect(RetryPolicy.none.maxAttempts == 1)
    }

    @Test func storm503StopsAfterMaxAttempts() async throws {
        let log = CoreRequestLog()
        let client = coreFakeClient(attempts: 4) { request in
            log.record(request)
            return HTTPResponse(
                status: 503,
                body: Data("<Error><Code>SlowDown</Code><Message>Reduce</Message></Error>".utf8)
            )
        }
        let error = try await #require(throws: AWSError.self) {
            try await client.send(AWSRequest(method: "GET", url: url, idempotent: true))
        }
        #expect(log.count == 4)
        #expect(error.code == "SlowDown")
        #expect(error.status == 503)
        #expect(error.isRetryable)
    }

    @Test func retriesSucceedOnceTheServerRecovers() async throws {
        let log = CoreRequestLog()
        let client = coreFakeClient(attempts: 4) { request in
            log.record(request)
            if log.count < 3 { return HTTPResponse(status: 500) }
            return HTTPResponse(status: 200, body: Data("ok".utf8))
        }
        let response = try await client.send(AWSRequest(method: "GET", url: url, idempotent: true))
        #expect(response.body == Data("ok".utf8))
        #expect(log.count == 3)
    }

    @Test func everyAttemptIsSignedAfresh() async throws {
        let log = CoreRequestLog()
        let client = coreFakeClient(attempts: 2) { request in
            log.record(request)
            return HTTPResponse(status: 503)
        }
        _ = try? await client.send(AWSRequest(method: "GET", url: url, idempotent: true))
        #expect(log.count == 2)
        for request in log.requests {
            #expect(request.headers["Authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") == true)
            #expect(request.headers["X-Amz-Date"] != nil)
        }
    }

    @Test func nonIdempotentRequestIsNotRetried() async throws {
        let log = CoreRequestLog()
        let client = coreFakeClient(.sqs, attempts: 5) { request in
            log.record(request)
            return HTTPResponse(status: 503)
        }
        let error = try await #require(throws: AWSError.self) {
            try await client.send(AWSRequest(method: "POST", url: url, idempotent: false))
        }
        #expect(log.count == 1)
        #expect(error.status == 503)
        #expect(error.isRetryable)
    }

    @Test(arguments: [400, 403, 404, 409, 412])
    func clientErrorsAreNotRetried(status: Int) async throws {
        let log = CoreRequestLog()
        let client = coreFakeClient(attempts: 5) { request in
            log.record(request)
            return HTTPResponse(
                status: status,
                body: Data("<Error><Code>Nope</Code><Message>no</Message></Error>".utf8)
            )
        }
        let error = try await #require(throws: AWSError.self) {
            try await client.send(AWSRequest(method: "GET", url: url, idempotent: true))
        }
        #expect(log.count == 1)
        #expect(error.code == "Nope")
        #expect(error.status == status)
    }

    @Test func throttling400IsRetried() async throws {
        let log = CoreRequestLog()
        let client = coreFakeClient(.dynamodb, attempts: 3) { request in
            log.record(request)
            return HTTPResponse(
                status: 400,
                body: Data(#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.utf8)
            )
        }
        let error = try await #require(throws: AWSError.self) {
            try await client.send(AWSRequest(method: "POST", url: url, idempotent: true))
        }
        #expect(log.count == 3)
        #expect(error.code == "ThrottlingException")
    }

    @Test func connectionErrorsAreRetriedThenWrapped() async throws {
        let log = CoreRequestLog()
        let client = coreFakeClient(attempts: 3) { request in
            log.record(request)
            throw HTTPTransportError(
                kind: .connectionBroken,
                message: "Connection reset by peer",
                url: request.url.absoluteString
            )
        }
        let error = try await #require(throws: AWSError.self) {
            try await client.send(AWSRequest(method: "GET", url: url, idempotent: true))
        }
        #expect(log.count == 3)
        #expect(error.code == "Transport.connectionBroken")
        #expect(error.status == 0)
        #expect(error.isRetryable)
    }

    @Test func nonRetryableTransportErrorsFailAtOnce() async throws {
        let log = CoreRequestLog()
        let client = coreFakeClient(attempts: 3) { request in
            log.record(request)
            throw HTTPTransportError(kind: .fileIO, message: "no such file", url: request.url.absoluteString)
        }
        let error = try await #require(throws: AWSError.self) {
            try await client.send(AWSRequest(method: "PUT", url: url, idempotent: true))
        }
        #expect(log.count == 1)
        #expect(error.code == "Transport.fileIO")
    }

    @Test func errorBodyOfFileDownloadIsReadAndTheFileRemoved() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lectern-\(UUID().uuidString)").path
        let client = coreFakeClient(attempts: 1) { request in
            guard case .file(let target) = request.destination else { return HTTPResponse(status: 500) }
            try Data("<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>".utf8).write(
                to: URL(fileURLWithPath: target)
            )
            return HTTPResponse(status: 404, bodyLength: 60)
        }
        let error = try await #require(throws: AWSError.self) {
            try await client.send(AWSRequest(method: "GET", url: url, destination: .file(path: path), idempotent: true))
        }
        #expect(error.code == "NoSuchKey")
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
