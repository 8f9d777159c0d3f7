import Foundation
import Testing

@testable import AWS

@Suite("AWSConfiguration")
struct CoreConfigurationTests {
    @Test func defaultsToAWSInUSEast1() throws {
        let configuration = try AWSConfiguration.fromEnvironment([:])
        #expect(configuration.region == "us-east-1")
        #expect(configuration.endpoint(for: .s3).absoluteString == "https://s3.us-east-1.amazonaws.com")
        #expect(configuration.endpoint(for: .sqs).absoluteString == "https://sqs.us-east-1.amazonaws.com")
        #expect(configuration.endpoint(for: .dynamodb).absoluteString == "https://dynamodb.us-east-1.amazonaws.com")
        #expect(!configuration.s3UsesPathStyle)
    }

    @Test func regionFromEitherVariable() throws {
        #expect(try AWSConfiguration.fromEnvironment(["AWS_DEFAULT_REGION": "eu-west-1"]).region == "eu-west-1")
        #expect(
            try AWSConfiguration.fromEnvironment(["AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-west-1"])
                .region == "eu-central-1"
        )
    }

    @Test func serviceSpecificEndpointWins() throws {
        let configuration = try AWSConfiguration.fromEnvironment([
            "AWS_ENDPOINT_URL": "http://localhost:5000",
            "AWS_ENDPOINT_URL_S3": "http://localhost:9000",
        ])
        #expect(configuration.endpoint(for: .s3).absoluteString == "http://localhost:9000")
        #expect(configuration.endpoint(for: .sqs).absoluteString == "http://localhost:5000")
        #expect(configuration.endpoint(for: .dynamodb).absoluteString == "http://localhost:5000")
        #expect(configuration.s3UsesPathStyle)
    }

    @Test func onlyOneServiceOverridden() throws {
        let configuration = try AWSConfiguration.fromEnvironment([
            "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000", "AWS_REGION": "ap-south-1",
        ])
        #expect(configuration.endpoint(for: .dynamodb).absoluteString == "http://127.0.0.1:8000")
        #expect(configuration.endpoint(for: .s3).absoluteString == "https://s3.ap-south-1.amazonaws.com")
        #expect(!configuration.s3UsesPathStyle)
    }

    @Test func emptyEndpointIsIgnored() throws {
        let configuration = try AWSConfiguration.fromEnvironment(["AWS_ENDPOINT_URL": ""])
        #expect(configuration.endpoint == nil)
    }

    @Test(arguments: ["not a url", "ftp://example.com", "localhost:4566", "http://"])
    func invalidEndpointIsAClearError(value: String) throws {
        let error = try #require(throws: AWSConfigurationError.self) {
            try AWSConfiguration.fromEnvironment(["AWS_ENDPOINT_URL_SQS": value])
        }
        #expect(error.message.contains("AWS_ENDPOINT_URL_SQS"))
        #expect(error.message.contains(value))
    }
}
