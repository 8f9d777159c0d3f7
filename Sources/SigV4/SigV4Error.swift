/// Why a request could not be signed. A struct around a private code so new reasons don't break callers.
public struct SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    enum Code: Sendable, Equatable {
        case urlWithoutHost
        case invalidURL
        case expiresOutOfRange
        case invalidPolicyCondition
        case varyingParameterNotInQuery
    }

    let code: Code
    /// Human-readable detail (the offending value).
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The URL has no `scheme://host` part, so there is nothing to sign the `Host` header with.
    public static let urlWithoutHost = SigV4Error(.urlWithoutHost, "")
    /// The signed URL text did not parse back into a URL (the input had characters URL refuses).
    public static let invalidURL = SigV4Error(.invalidURL, "")
    /// `X-Amz-Expires` (or a POST policy's lifetime) outside 1...604800 seconds.
    public static let expiresOutOfRange = SigV4Error(.expiresOutOfRange, "")
    /// A POST policy condition AWS would reject (e.g. a content-length range with min > max).
    public static let invalidPolicyCondition = SigV4Error(.invalidPolicyCondition, "")
    /// A presign template's varying parameter is not in the URL's query exactly once (or is one of the X-Amz-*
    /// parameters the signer adds).
    public static let varyingParameterNotInQuery = SigV4Error(.varyingParameterNotInQuery, "")

    /// Compares the reason only, so `error ~= .expiresOutOfRange` style checks work.
    public static func == (lhs: SigV4Error, rhs: SigV4Error) -> Bool { lhs.code == rhs.code }

    public var description: String {
        switch code {
        case .urlWithoutHost: return "SigV4: URL has no host: \(message)"
        case .invalidURL: return "SigV4: signed URL is not a valid URL: \(message)"
        case .expiresOutOfRange: return "SigV4: expiry must be 1...604800 seconds, got \(message)"
        case .invalidPolicyCondition: return "SigV4: invalid POST policy condition: \(message)"
        case .varyingParameterNotInQuery:
            return "SigV4: the varying parameter must be in the URL's query exactly once: \(message)"
        }
    }
}
