/// A failure to complete an HTTP exchange (not an HTTP error status: those are responses).
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case couldNotResolveHost
        case couldNotConnect
        case timedOut
        /// The connection broke mid-exchange (reset, closed early, truncated body).
        case connectionBroken
        /// The server's answer was not valid HTTP.
        case invalidResponse
        case responseTooLarge
        /// Reading the request body file or writing the response file failed.
        case fileIO
        case tls
        case cancelled
        case other
    }

    public var kind: Kind
    /// libcurl's CURLcode, when the error came from curl.
    public var curlCode: Int32?
    /// A human-readable message (curl's error buffer where there is one).
    public var message: String
    public var url: String

    public init(kind: Kind, curlCode: Int32? = nil, message: String, url: String) {
        self.kind = kind
        self.curlCode = curlCode
        self.message = message
        self.url = url
    }

    /// Whether sending the same idempotent request again may succeed.
    public var isRetryable: Bool {
        switch kind {
        case .couldNotResolveHost, .couldNotConnect, .timedOut, .connectionBroken, .invalidResponse: true
        case .responseTooLarge, .fileIO, .tls, .cancelled, .other: false
        }
    }

    public var description: String { "\(kind.rawValue): \(message) (\(url))" }
}
