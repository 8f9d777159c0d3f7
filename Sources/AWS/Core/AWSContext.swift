import Foundation
import HTTPTransport

/// What every AWS client shares: configuration, one transport (one connection pool) and one credential cache.
public struct AWSContext: Sendable {
    public let configuration: AWSConfiguration
    public let transport: any HTTPTransport
    public let credentials: any CredentialProvider
    public let retry: RetryPolicy

    public init(
        configuration: AWSConfiguration,
        transport: any HTTPTransport,
        credentials: any CredentialProvider,
        retry: RetryPolicy = .default
    ) {
        self.configuration = configuration
        self.transport = transport
        self.credentials = credentials
        self.retry = retry
    }

    /// Region and endpoints from the environment, the standard credential chain (cached, refreshed before
    /// expiry), and a libcurl transport.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        transport: any HTTPTransport = CurlTransport()
    ) throws -> AWSContext {
        AWSContext(
            configuration: try AWSConfiguration.fromEnvironment(environment),
            transport: transport,
            credentials: CachedCredentialProvider(
                CredentialChain.standard(environment: environment, transport: transport)
            )
        )
    }

    public func client(for service: AWSService) -> AWSServiceClient {
        AWSServiceClient(
            service: service,
            configuration: configuration,
            transport: transport,
            credentials: credentials,
            retry: retry
        )
    }
}
