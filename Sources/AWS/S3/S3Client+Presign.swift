import Foundation
import SigV4

extension S3Client {
    /// Presigned URLs default to 15 minutes: long enough for a browser to start an upload, short enough to leak little.
    public static let defaultPresignExpiry = 900
    /// SigV4's ceiling for query-signed URLs (7 days).
    public static let maxPresignExpiry = 604_800

    /// A presigned GET of `key`, valid for `expires` seconds.
    public func presignedGetURL(bucket: String, key: String, expires: Int = defaultPresignExpiry) async throws -> URL {
        try await presign(method: "GET", url: url(bucket: bucket, key: key), headers: [], expires: expires)
    }

    /// A presigned PUT of `key`. With `contentType`, the uploader must send exactly that `Content-Type`.
    public func presignedPutURL(bucket: String, key: String, contentType: String? = nil,
                                expires: Int = defaultPresignExpiry) async throws -> URL {
        let headers: HeaderFields = contentType.map { [(name: "Content-Type", value: $0)] } ?? []
        return try await presign(method: "PUT", url: url(bucket: bucket, key: key), headers: headers, expires: expires)
    }

    /// A presigned UploadPart: the holder PUTs the part's bytes and reads the `ETag` answer header.
    public func presignedUploadPartURL(bucket: String, key: String, uploadID: String, partNumber: Int,
                                       expires: Int = defaultPresignExpiry) async throws -> URL {
        try Self.checkPartNumber(partNumber)
        return try await presign(method: "PUT", url: partURL(bucket: bucket, key: key, uploadID: uploadID, partNumber: partNumber),
                                 headers: [], expires: expires)
    }

    /// Presigned UploadPart URLs for a batch of parts, signed with one set of credentials and one signing key
    /// (a browser asks for parts in batches; fetching credentials per URL costs more than signing it).
    public func presignedUploadPartURLs(bucket: String, key: String, uploadID: String, partNumbers: [Int],
                                        expires: Int = defaultPresignExpiry) async throws -> [URL] {
        for number in partNumbers { try Self.checkPartNumber(number) }
        guard (1...Self.maxPresignExpiry).contains(expires) else {
            throw Self.invalidArgument("presigned URL expiry must be 1…\(Self.maxPresignExpiry) seconds, got \(expires)")
        }
        let signer = try await service.signer()
        let date = Date()
        return partNumbers.map { number in
            signer.presignURL(method: "PUT", url: partURL(bucket: bucket, key: key, uploadID: uploadID, partNumber: number),
                              expires: expires, date: date)
        }
    }

    private func presign(method: String, url: URL, headers: HeaderFields, expires: Int) async throws -> URL {
        guard (1...Self.maxPresignExpiry).contains(expires) else {
            throw Self.invalidArgument("presigned URL expiry must be 1…\(Self.maxPresignExpiry) seconds, got \(expires)")
        }
        return try await service.signer().presignURL(method: method, url: url, headers: headers, expires: expires)
    }
}
