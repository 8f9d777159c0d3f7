/// A failure to complete an HTTP exchange (not an HTTP error status: those are responses).
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    /// Which failure this is: a struct over an internal enum (jwt-kit's `JWTError` shape), so a new kind does not
    /// break callers outside this module; they compare with `==` (or read `isRetryable`) instead of switching.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable {
            case couldNotResolveHost, couldNotConnect, timedOut, connectionBroken, invalidResponse, responseTooLarge
            case fileIO, tls, cancelled, other
        }
        let base: Base

        public static let couldNotResolveHost = Kind(base: .couldNotResolveHost)
        public static let couldNotConnect = Kind(base: .couldNotConnect)
        public static let timedOut = Kind(base: .timedOut)
        /// The connection broke mid-exchange (reset, closed early, truncated body).
        public static let connectionBroken = Kind(base: .connectionBroken)
        /// The server's answer was not valid HTTP.
        public static let invalidResponse = Kind(base: .invalidResponse)
        public static let responseTooLarge = Kind(base: .responseTooLarge)
        /// Reading the request body file or writing the response file failed.
        public static let fileIO = Kind(base: .fileIO)
        public static let tls = Kind(base: .tls)
        public static let cancelled = Kind(base: .cancelled)
        public static let other = Kind(base: .other)

        /// The kind's name, as AWS errors carry it (`Transport.<name>`).
        public var rawValue: String { base.rawValue }
        public var description: String { base.rawValue }
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
        switch kind.base {
        case .couldNotResolveHost, .couldNotConnect, .timedOut, .connectionBroken, .invalidResponse: true
        case .responseTooLarge, .fileIO, .tls, .cancelled, .other: false
        }
    }

    public var description: String { "\(kind.rawValue): \(message) (\(url))" }
}
