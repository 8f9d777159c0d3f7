import AWS
import Foundation
import LecternTestSupport

/// An SQS client on the shared moto server, over the real libcurl transport.
func motoSQS(credentials: AWSCredentials? = nil) async throws -> SQSClient {
    let moto = try await MotoServer.shared()
    return SQSClient(client: moto.serviceClient(.sqs, transport: CurlTransport(), credentials: credentials))
}

/// A DynamoDB client on the shared moto server, over the real libcurl transport.
func motoDynamoDB(credentials: AWSCredentials? = nil) async throws -> DynamoDBClient {
    let moto = try await MotoServer.shared()
    return DynamoDBClient(client: moto.serviceClient(.dynamodb, transport: CurlTransport(), credentials: credentials))
}

extension SQSClient {
    /// Visible + in-flight + delayed messages, as SQS counts them.
    func totalMessages(_ queueURL: String) async throws -> Int {
        let attributes = try await queueAttributes(queueURL)
        return (attributes.approximateNumberOfMessages ?? 0) + (attributes.approximateNumberOfMessagesNotVisible ?? 0)
            + (attributes.approximateNumberOfMessagesDelayed ?? 0)
    }
}
