import Foundation

/// The services Lectern talks to, with their SigV4 signing names.
public enum AWSService: String, Sendable, CaseIterable {
    case s3, sqs, dynamodb, transcribe
    /// Amazon SES (v2 API); its signing name is `ses` for both API versions.
    case ses

    var environmentSuffix: String {
        switch self {
        case .s3: "S3"
        case .sqs: "SQS"
        case .dynamodb: "DYNAMODB"
        case .transcribe: "TRANSCRIBE"
        case .ses: "SESV2"
        }
    }
}

public struct AWSConfigurationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Region and endpoints, usually read from the environment:
/// AWS_REGION (or AWS_DEFAULT_REGION), AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_S3 / _SQS / _DYNAMODB / _TRANSCRIBE /
/// _SESV2 (botocore's name for SES v2).
public struct AWSConfiguration: Sendable {
    public var region: String
    /// Service-specific endpoints override `endpoint`; nil for both means the real AWS endpoint.
    public var endpoint: URL?
    public var serviceEndpoints: [AWSService: URL]

    public init(region: String, endpoint: URL? = nil, serviceEndpoints: [AWSService: URL] = [:]) {
        self.region = region
        self.endpoint = endpoint
        self.serviceEndpoints = serviceEndpoints
    }

    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> AWSConfiguration {
        let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        func url(_ name: String) throws -> URL? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme),
                url.host != nil
            else {
                throw AWSConfigurationError(message: "\(name)=\(text) is not an http(s) URL")
            }
            return url
        }
        var services: [AWSService: URL] = [:]
        for service in AWSService.allCases {
            if let value = try url("AWS_ENDPOINT_URL_\(service.environmentSuffix)") { services[service] = value }
        }
        return AWSConfiguration(region: region, endpoint: try url("AWS_ENDPOINT_URL"), serviceEndpoints: services)
    }

    /// The custom endpoint for `service`, if any.
    public func customEndpoint(for service: AWSService) -> URL? { serviceEndpoints[service] ?? endpoint }

    /// The base URL requests to `service` go to.
    public func endpoint(for service: AWSService) -> URL {
        if let custom = customEndpoint(for: service) { return custom }
        switch service {
        case .s3: return URL(string: "https://s3.\(region).amazonaws.com")!
        case .sqs: return URL(string: "https://sqs.\(region).amazonaws.com")!
        case .dynamodb: return URL(string: "https://dynamodb.\(region).amazonaws.com")!
        case .transcribe: return URL(string: "https://transcribe.\(region).amazonaws.com")!
        case .ses: return URL(string: "https://email.\(region).amazonaws.com")!
        }
    }

    /// Path-style (`endpoint/bucket/key`) for custom endpoints such as moto or MinIO; virtual-hosted
    /// (`bucket.s3.region.amazonaws.com/key`) on AWS.
    public var s3UsesPathStyle: Bool { customEndpoint(for: .s3) != nil }
}
