import Foundation

// STUB — the SigV4 helper replaces this file (and adds others). The public surface below is the contract
// the AWS clients are written against; extend it, but change it only with good reason.

public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working; nil for long-lived keys.
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }
}

/// What goes into the payload-hash line of the canonical request.
public enum PayloadHash: Sendable, Equatable {
    /// SHA-256 of the empty string.
    case empty
    /// `UNSIGNED-PAYLOAD` (S3 only), used for streamed uploads and presigned URLs.
    case unsigned
    /// A hex SHA-256 computed by the caller (e.g. while streaming a file).
    case sha256Hex(String)
    /// The body itself; the signer hashes it.
    case bytes(Data)
}

public typealias HeaderFields = [(name: String, value: String)]

public struct SigV4Signer: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Signs a request for the Authorization header. `url` carries the path exactly as it goes on the wire
    /// (percent-encoded). Returns `headers` plus `Host` (if missing), `X-Amz-Date`, `X-Amz-Security-Token`
    /// (when there is a session token), `x-amz-content-sha256` (S3) and `Authorization`.
    public func signHeaders(method: String, url: URL, headers: HeaderFields, payload: PayloadHash,
                            date: Date = Date()) -> HeaderFields {
        fatalError("SigV4Signer.signHeaders not implemented yet")
    }

    /// A presigned URL (query signing) valid for `expires` seconds from `date`.
    public func presignURL(method: String, url: URL, headers: HeaderFields = [], expires: Int,
                           date: Date = Date()) -> URL {
        fatalError("SigV4Signer.presignURL not implemented yet")
    }
}
