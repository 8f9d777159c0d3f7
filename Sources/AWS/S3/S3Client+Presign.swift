import Foundation
import SigV4

extension S3Client {
    /// Presigned URLs default to 15 minutes: long enough for a browser to start an upload, short enough to leak little.
    public static let defaultPresignExpiry = 900
    /// SigV4's ceiling for query-signed URLs (7 days).
    public static let maxPresignExpiry = 604_800

    /// A presigned GET of `key`, valid for `expires` seconds. `query` adds signed parameters, such as S3's
    /// `response-content-disposition`, which S3 echoes as the answer's header.
    public func presignedGetURL(
        bucket: String,
        key: String,
        expires: Int = defaultPresignExpiry,
        query: [(String, String)] = []
    ) async throws -> URL {
        try await presign(
            method: "GET",
            url: url(bucket: bucket, key: key, query: query),
            headers: [],
            expires: expires
        )
    }

    /// A presigned PUT of `key`. With `contentType`, the uploader must send exactly that `Content-Type`.
    public func presignedPutURL(
        bucket: String,
        key: String,
        contentType: String? = nil,
        expires: Int = defaultPresignExpiry
    ) async throws -> URL {
        let headers: HeaderFields = contentType.map { [(name: "Content-Type", value: $0)] } ?? []
        return try await presign(method: "PUT", url: url(bucket: bucket, key: key), headers: headers, expires: expires)
    }

    /// A presigned UploadPart: the holder PUTs the part's bytes and reads the `ETag` answer header.
    public func presignedUploadPartURL(
        bucket: String,
        key: String,
        uploadID: String,
        partNumber: Int,
        expires: Int = defaultPresignExpiry
    ) async throws -> URL {
        try Self.checkPartNumber(partNumber)
        return try await presign(
            method: "PUT",
            url: partURL(bucket: bucket, key: key, uploadID: uploadID, partNumber: partNumber),
            headers: [],
            expires: expires
        )
    }

    /// Presigned UploadPart URLs for a batch of parts, signed with one set of credentials and one signing key
    /// (a browser asks for parts in batches; fetching credentials per URL costs more than signing it).
    public func presignedUploadPartURLs(
        bucket: String,
        key: String,
        uploadID: String,
        partNumbers: [Int],
        expires: Int = defaultPresignExpiry
    ) async throws -> [URL] {
        try await presignedUploadPartURLStrings(
            bucket: bucket,
            key: key,
            uploadID: uploadID,
            partNumbers: partNumbers,
            expires: expires
        ).map { text in
            // Percent-encoded text from our own builder: it parses, checked rather than forced.
            guard let url = URL(string: text) else {
                throw Self.invalidArgument("presigned URL did not parse: \(text)")
            }
            return url
        }
    }

    /// `presignedUploadPartURLs` as text, built and signed without a Foundation `URL` (for answers that hand the
    /// links out in JSON); `date` is when they are signed.
    public func presignedUploadPartURLStrings(
        bucket: String,
        key: String,
        uploadID: String,
        partNumbers: [Int],
        expires: Int = defaultPresignExpiry,
        date: Date = Date()
    ) async throws -> [String] {
        for number in partNumbers { try Self.checkPartNumber(number) }
        try Self.checkPresignExpiry(expires)
        let signer = try await service.signer()
        guard !partNumbers.isEmpty else { return [] }
        // Only the part number changes within a batch: everything else (the URL around it, the canonical request
        // hashed up to it, the signing key) is prepared once by the template.
        let unsigned =
            urlString(bucket: bucket, key: key) + "?partNumber=&uploadId="
            + AWSPercentEncoding.encode(uploadID, keepingSlashes: false)
        let template: PresignTemplate
        do {
            template = try signer.presignTemplate(
                method: "PUT",
                urlString: unsigned,
                varying: "partNumber",
                expires: expires,
                date: date
            )
        } catch {
            throw Self.invalidArgument("cannot presign \(unsigned): \(error)")
        }
        return partNumbers.map { template.urlString(varying: $0) }
    }

    /// `presignedGetURL` as text; see `presignedUploadPartURLStrings`.
    public func presignedGetURLString(
        bucket: String,
        key: String,
        expires: Int = defaultPresignExpiry,
        date: Date = Date()
    ) async throws -> String {
        try Self.checkPresignExpiry(expires)
        return try Self.presignedString(
            try await service.signer(),
            method: "GET",
            urlString: urlString(bucket: bucket, key: key),
            expires: expires,
            date: date
        )
    }

    static func checkPresignExpiry(_ expires: Int) throws {
        guard (1...maxPresignExpiry).contains(expires) else {
            throw invalidArgument("presigned URL expiry must be 1…\(maxPresignExpiry) seconds, got \(expires)")
        }
    }

    private static func presignedString(
        _ signer: SigV4Signer,
        method: String,
        urlString: String,
        expires: Int,
        date: Date
    ) throws -> String {
        do {
            return try signer.presignedURLString(method: method, urlString: urlString, expires: expires, date: date)
        } catch {
            throw invalidArgument("cannot presign \(urlString): \(error)")
        }
    }

    private func presign(method: String, url: URL, headers: HeaderFields, expires: Int) async throws -> URL {
        try Self.checkPresignExpiry(expires)
        return try await service.signer().presignURL(method: method, url: url, headers: headers, expires: expires)
    }
}
