/// A transport whose answers come from a closure: for unit tests of code above the wire.
public struct FakeTransport: HTTPTransport {
    private let handler: @Sendable (HTTPRequest) async throws -> HTTPResponse

    public init(_ handler: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        self.handler = handler
    }

    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await handler(request)
    }
}
