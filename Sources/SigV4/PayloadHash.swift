import Crypto
import Foundation

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

    static let emptySHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// The exact text of the canonical request's last line.
    public var canonicalValue: String {
        switch self {
        case .empty: return Self.emptySHA256Hex
        case .unsigned: return Self.unsignedPayload
        case .sha256Hex(let hex): return hex
        case .bytes(let data): return Hex.string(SHA256.hash(data: data))
        }
    }
}

public typealias HeaderFields = [(name: String, value: String)]
