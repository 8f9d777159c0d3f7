import AWS

extension MotoServer {
    /// An `AWSContext` for this server with its test user's key.
    public func context(
        transport: any HTTPTransport,
        credentials: AWSCredentials? = nil,
        retry: RetryPolicy = .default
    ) -> AWSContext {
        AWSContext(
            configuration: configuration,
            transport: transport,
            credentials: StaticCredentialProvider(credentials ?? self.credentials),
            retry: retry
        )
    }
}
