/// The places where AWS services disagree about SigV4. `SigV4Options(service:)` picks what the service
/// expects; the conformance suite and odd services can set each knob.
public struct SigV4Options: Sendable, Equatable {
    /// How the request path becomes the canonical URI.
    public var path: PathCanonicalization
    /// Header signing adds (and signs) `x-amz-content-sha256` with the payload hash. S3 requires it.
    public var addsContentSHA256Header: Bool
    /// `true`: the session token is part of what is signed (every current service). `false`: it is added to
    /// the request after signing (old STS-style services; the suite's `omit_session_token`).
    public var signsSessionToken: Bool
    /// Only the order of the parameters a presigned URL gets appended; both orders are valid for AWS.
    public var presignedQueryOrder: PresignedQueryOrder

    public init(
        path: PathCanonicalization,
        addsContentSHA256Header: Bool,
        signsSessionToken: Bool = true,
        presignedQueryOrder: PresignedQueryOrder = .botocore
    ) {
        self.path = path
        self.addsContentSHA256Header = addsContentSHA256Header
        self.signsSessionToken = signsSessionToken
        self.presignedQueryOrder = presignedQueryOrder
    }

    /// S3 (`service == "s3"`): path as sent and `x-amz-content-sha256`; every other service: normalised,
    /// encoded-again path and no content-hash header.
    public init(service: String) {
        let isS3 = service == "s3"
        self.init(path: isS3 ? .s3 : .standard, addsContentSHA256Header: isS3)
    }
}

/// The two rules AWS has for turning the wire path into the canonical URI.
public struct PathCanonicalization: Sendable, Equatable {
    /// Drop `.` and `..` segments and collapse repeated slashes (`//a/./b/../c` → `/a/c`).
    public var removesDotSegments: Bool
    /// Percent-encode the (already encoded) wire path once more, so `%20` becomes `%2520`.
    public var encodesAgain: Bool

    public init(removesDotSegments: Bool, encodesAgain: Bool) {
        self.removesDotSegments = removesDotSegments
        self.encodesAgain = encodesAgain
    }

    /// S3: the canonical URI is the path exactly as sent (the caller encodes the key once, keeping `/`).
    public static let s3 = PathCanonicalization(removesDotSegments: false, encodesAgain: false)
    /// Every other service.
    public static let standard = PathCanonicalization(removesDotSegments: true, encodesAgain: true)
}

/// Where X-Amz-SignedHeaders and X-Amz-Expires go in a presigned URL. The signature does not depend on it.
public enum PresignedQueryOrder: Sendable, Equatable {
    /// Algorithm, Credential, Date, Expires, SignedHeaders, Security-Token, Signature (boto3, the AWS CLI).
    case botocore
    /// Algorithm, Credential, Date, SignedHeaders, Expires, Security-Token, Signature (aws-c-auth, the CRT SDKs).
    case awsCRT
}
