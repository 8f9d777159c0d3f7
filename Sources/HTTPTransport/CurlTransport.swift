import CCurl
import Foundation

/// STUB — the transport helper replaces this file with the libcurl implementation.
/// Public surface the rest of the code relies on: `init(timeouts:)`, `execute(_:)`, `shutdown()` optional.
public final class CurlTransport: HTTPTransport, Sendable {
    public let defaultTimeouts: HTTPTimeouts

    public init(timeouts: HTTPTimeouts = .default) {
        self.defaultTimeouts = timeouts
    }

    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        throw HTTPTransportError(kind: .other, message: "CurlTransport not implemented yet", url: request.url.absoluteString)
    }
}
