import AWS
import Foundation
import Synchronization
import Testing

/// Sends and conditional writes are not idempotent: they may be retried only when the failure proves the service
/// never acted on them.
@Suite struct RetryNonIdempotentTests {
    final class Counter: Sendable {
        let value = Mutex(0)
        func next() -> Int {
            value.withLock {
                $0 += 1
                return $0
            }
        }
    }

    func client(_ transport: FakeTransport) -> AWSServiceClient {
        AWSServiceClient(
            service: .sqs,
            configuration: AWSConfiguration(region: "us-east-1", endpoint: URL(string: "http://127.0.0.1:1")!),
            transport: transport,
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret")),
            retry: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
        )
    }

    @Test func throttledSendIsRetriedUntilItGoesThrough() async throws {
        let calls = Counter()
        let transport = FakeTransport { _ in
            if calls.next() < 3 {
                return HTTPResponse(
                    status: 400,
                    body: Data(#"{"__type":"com.amazonaws.sqs#ThrottlingException","message":"slow down"}"#.utf8)
                )
            }
            return HTTPResponse(status: 200, body: Data("{}".utf8))
        }
        _ = try await client(transport).json(target: "AmazonSQS.SendMessage", body: Data("{}".utf8), idempotent: false)
        #expect(calls.value.withLock { $0 } == 3)
    }

    @Test func serverErrorOnASendIsNotRetried() async throws {
        let calls = Counter()
        let transport = FakeTransport { _ in
            _ = calls.next()
            return HTTPResponse(status: 503, body: Data())
        }
        await #expect {
            _ = try await client(transport).json(
                target: "AmazonSQS.SendMessage",
                body: Data("{}".utf8),
                idempotent: false
            )
        } throws: { error in
            (error as? AWSError)?.status == 503
        }
        #expect(calls.value.withLock { $0 } == 1)
    }

    @Test func refusedConnectionOnASendIsRetried() async throws {
        let calls = Counter()
        let transport = FakeTransport { request in
            if calls.next() == 1 {
                throw HTTPTransportError(kind: .couldNotConnect, message: "refused", url: request.url.absoluteString)
            }
            return HTTPResponse(status: 200, body: Data("{}".utf8))
        }
        _ = try await client(transport).json(target: "AmazonSQS.SendMessage", body: Data("{}".utf8), idempotent: false)
        #expect(calls.value.withLock { $0 } == 2)
    }

    @Test func brokenConnectionOnASendIsNotRetried() async throws {
        let calls = Counter()
        let transport = FakeTransport { request in
            _ = calls.next()
            throw HTTPTransportError(kind: .connectionBroken, message: "reset", url: request.url.absoluteString)
        }
        await #expect(throws: AWSError.self) {
            _ = try await client(transport).json(
                target: "AmazonSQS.SendMessage",
                body: Data("{}".utf8),
                idempotent: false
            )
        }
        #expect(calls.value.withLock { $0 } == 1)
    }
}
