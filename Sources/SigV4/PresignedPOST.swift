import Crypto
import Foundation

/// What a browser needs to upload straight to S3 with an HTML form: where to POST and the fields to send
/// (the file goes last, as field `file`).
public struct PresignedPOST: Sendable {
    public let url: URL
    /// In order: caller's fields, `key`, `x-amz-algorithm`, `x-amz-credential`, `x-amz-date`,
    /// `x-amz-security-token` (with a session token), `policy` (base64), `x-amz-signature`.
    public let fields: [(name: String, value: String)]
    /// The policy document before base64.
    public let policyJSON: String

    public func value(of field: String) -> String? { fields.first { $0.name == field }?.value }
}

extension SigV4Signer {
    /// An S3 presigned POST (browser form upload), valid for `expires` seconds (1...604800) from `date`.
    /// The policy holds `conditions`, then `{"bucket": bucket}`, then the key rule (exact key, or
    /// `starts-with` when `key` ends in `${filename}`), then the x-amz-* fields — the layout boto3 uses.
    /// `url` is the bucket's endpoint (`https://bucket.s3.region.amazonaws.com/` or `http://host:port/bucket`).
    public func presignedPOST(
        url: URL,
        bucket: String,
        key: String,
        fields: [(name: String, value: String)] = [],
        conditions: [PostPolicyCondition] = [],
        expires: Int,
        date: Date = Date()
    ) throws(SigV4Error) -> PresignedPOST {
        try Self.checkExpires(expires)
        for case .contentLengthRange(let min, let max) in conditions where min < 0 || min > max {
            throw SigV4Error(.invalidPolicyCondition, "content-length-range \(min)...\(max)")
        }
        let timestamp = SigV4Timestamp(date)
        var credential: [UInt8] = []
        appendCredential(timestamp: timestamp, to: &credential)
        let credentialText = String(decoding: credential, as: UTF8.self)

        var allConditions = conditions
        allConditions.append(.equals(field: "bucket", value: bucket))
        let filenamePlaceholder = "${filename}"
        if key.hasSuffix(filenamePlaceholder) {
            allConditions.append(.startsWith(field: "key", prefix: String(key.dropLast(filenamePlaceholder.count))))
        } else {
            allConditions.append(.equals(field: "key", value: key))
        }
        allConditions.append(.equals(field: "x-amz-algorithm", value: Self.algorithm))
        allConditions.append(.equals(field: "x-amz-credential", value: credentialText))
        allConditions.append(.equals(field: "x-amz-date", value: timestamp.string))
        if let token = credentials.sessionToken {
            allConditions.append(.equals(field: "x-amz-security-token", value: token))
        }

        let expiration = SigV4Timestamp.iso8601(secondsSince1970: timestamp.secondsSince1970 + Int64(expires))
        let policyJSON = PostPolicyJSON.document(expiration: expiration, conditions: allConditions)
        let policy = Data(policyJSON.utf8).base64EncodedString()
        let signature = String(decoding: signatureBytes(Array(policy.utf8), timestamp: timestamp), as: UTF8.self)

        // A caller's field of the same name is replaced in place, like assigning into a dict.
        var formFields = fields
        func set(_ name: String, _ value: String) {
            if let i = formFields.firstIndex(where: { $0.name == name }) {
                formFields[i].value = value
            } else {
                formFields.append((name: name, value: value))
            }
        }
        set("key", key)
        set("x-amz-algorithm", Self.algorithm)
        set("x-amz-credential", credentialText)
        set("x-amz-date", timestamp.string)
        if let token = credentials.sessionToken { set("x-amz-security-token", token) }
        set("policy", policy)
        set("x-amz-signature", signature)
        return PresignedPOST(url: url, fields: formFields, policyJSON: policyJSON)
    }
}
