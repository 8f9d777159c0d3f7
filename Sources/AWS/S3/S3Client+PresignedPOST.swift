import Foundation
import SigV4

extension S3Client {
    /// A presigned POST: an HTML form (or any multipart/form-data client) uploads straight to S3 with `fields`
    /// followed by the file as field `file`. `contentType` is pinned by the policy; `maxSize` bounds the upload
    /// (`content-length-range`), which a presigned PUT cannot do. A `key` ending in `${filename}` lets the
    /// browser choose the last component.
    public func presignedPOST(
        bucket: String,
        key: String,
        contentType: String? = nil,
        maxSize: Int? = nil,
        conditions: [PostPolicyCondition] = [],
        expires: Int = defaultPresignExpiry
    ) async throws -> PresignedPOST {
        guard (1...Self.maxPresignExpiry).contains(expires) else {
            throw Self.invalidArgument(
                "presigned POST expiry must be 1…\(Self.maxPresignExpiry) seconds, got \(expires)"
            )
        }
        var fields: [(name: String, value: String)] = []
        var allConditions = conditions
        if let contentType {
            fields.append((name: "Content-Type", value: contentType))
            allConditions.append(.equals(field: "Content-Type", value: contentType))
        }
        if let maxSize {
            guard maxSize >= 0 else { throw Self.invalidArgument("maxSize must not be negative, got \(maxSize)") }
            allConditions.append(.contentLengthRange(min: 0, max: maxSize))
        }
        do {
            return try await service.signer().presignedPOST(
                url: url(bucket: bucket),
                bucket: bucket,
                key: key,
                fields: fields,
                conditions: allConditions,
                expires: expires
            )
        } catch let error as SigV4Error {
            throw Self.invalidArgument("\(error)")
        }
    }
}
