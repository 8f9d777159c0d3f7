import Crypto
import Foundation

/// AWS Signature Version 4 for one set of credentials, region and service. Pure: no I/O, no clock unless
/// `date` is left at its default. Copies share the signing-key cache.
public struct SigV4Signer: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String
    public private(set) var options: SigV4Options

    /// AWS refuses presigned URLs valid for longer than seven days.
    public static let maxExpires = 604_800
    static let algorithm = "AWS4-HMAC-SHA256"

    let keyCache: SigningKeyCache
    /// `/region/service/aws4_request`.
    let scopeSuffix: [UInt8]
    /// `AKID%2F` and `%2Fregion%2Fservice%2Faws4_request`: the X-Amz-Credential value around the date.
    let encodedCredentialPrefix: [UInt8]
    let encodedScopeSuffix: [UInt8]
    let encodedSessionToken: [UInt8]?

    /// `options` defaults from the service name (`SigV4Options(service:)`): S3 rules for "s3", standard otherwise.
    public init(credentials: AWSCredentials, region: String, service: String, options: SigV4Options? = nil) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.options = options ?? SigV4Options(service: service)
        self.keyCache = SigningKeyCache()
        let suffix = "/\(region)/\(service)/aws4_request"
        self.scopeSuffix = Array(suffix.utf8)
        var prefix: [UInt8] = []
        AWSPercentEncoding.append(credentials.accessKeyID.utf8, keepingSlashes: false, to: &prefix)
        prefix.append(contentsOf: "%2F".utf8)
        self.encodedCredentialPrefix = prefix
        var encodedSuffix: [UInt8] = []
        AWSPercentEncoding.append(suffix.utf8, keepingSlashes: false, to: &encodedSuffix)
        self.encodedScopeSuffix = encodedSuffix
        self.encodedSessionToken = credentials.sessionToken.map {
            var out: [UInt8] = []
            AWSPercentEncoding.append($0.utf8, keepingSlashes: false, to: &out)
            return out
        }
    }

    /// The same signer (sharing its key cache) with other options.
    public func with(options: SigV4Options) -> SigV4Signer {
        var copy = self
        copy.options = options
        return copy
    }

    // MARK: - Convenience API (the contract the AWS clients use)

    /// Signs a request for the Authorization header. `url` carries the path exactly as it goes on the wire
    /// (percent-encoded). Returns `headers` plus `Host` (if missing), `X-Amz-Security-Token` (when there is a
    /// session token), `X-Amz-Date`, `x-amz-content-sha256` (S3) and `Authorization`; any stale
    /// Authorization/X-Amz-Date the caller passed is replaced. A URL without a host is signed without one.
    public func signHeaders(
        method: String,
        url: URL,
        headers: HeaderFields,
        payload: PayloadHash,
        date: Date = Date()
    ) -> HeaderFields {
        let request =
            (try? SigV4Request(method: method, url: url, headers: headers))
            ?? SigV4Request(method: method, path: "/", headers: headers)
        return signHeadersCore(request, payload: payload, timestamp: SigV4Timestamp(date)).headers
    }

    /// A presigned URL (query signing) valid for `expires` seconds from `date`. `expires` is clamped to
    /// 1...604800 and a URL that cannot be presigned comes back unchanged; call `presign(_:expires:)` to get
    /// a typed error instead. Query parameters already in `url` (partNumber, uploadId…) are kept and signed.
    public func presignURL(
        method: String,
        url: URL,
        headers: HeaderFields = [],
        expires: Int,
        date: Date = Date()
    ) -> URL {
        let clamped = min(max(expires, 1), Self.maxExpires)
        guard let request = try? SigV4Request(method: method, url: url, headers: headers) else { return url }
        let core = presignCore(request, expires: clamped, payload: nil, timestamp: SigV4Timestamp(date))
        // The text is the input URL's own plus canonical query bytes, so it parses; checked, not forced.
        return URL(string: core.urlString(of: request)) ?? url
    }

    /// The presigned URL as text: the fast path for handing URLs out in JSON.
    public func presignedURLString(
        method: String,
        url: URL,
        headers: HeaderFields = [],
        expires: Int,
        date: Date = Date()
    ) throws(SigV4Error) -> String {
        try presignedURLString(
            method: method,
            urlString: url.absoluteString,
            headers: headers,
            expires: expires,
            date: date
        )
    }

    /// The same from the URL's text (see `SigV4Request(method:urlString:headers:)`): no Foundation `URL` on the way.
    public func presignedURLString(
        method: String,
        urlString: String,
        headers: HeaderFields = [],
        expires: Int,
        date: Date = Date()
    ) throws(SigV4Error) -> String {
        let request = try SigV4Request(method: method, urlString: urlString, headers: headers)
        try Self.checkExpires(expires)
        let core = presignCore(request, expires: expires, payload: nil, timestamp: SigV4Timestamp(date))
        return core.urlString(of: request)
    }

    static func checkExpires(_ expires: Int) throws(SigV4Error) {
        guard (1...maxExpires).contains(expires) else { throw SigV4Error(.expiresOutOfRange, String(expires)) }
    }
}
