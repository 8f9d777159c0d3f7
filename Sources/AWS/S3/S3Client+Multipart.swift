import Foundation
import HTTPTransport
import SigV4

extension S3Client {
    /// S3's bounds on multipart uploads.
    public static let maxPartCount = 10_000
    /// Every part but the last must be at least this big.
    public static let minPartSize: Int64 = 5 << 20

    /// Starts a multipart upload and answers its upload ID.
    public func createMultipartUpload(
        bucket: String,
        key: String,
        contentType: String? = nil,
        metadata: [String: String] = [:]
    ) async throws -> String {
        let headers = Self.objectHeaders(contentType: contentType, metadata: metadata)
        let request = AWSRequest(
            method: "POST",
            url: url(bucket: bucket, key: key, query: [("uploads", "")]),
            headers: headers,
            idempotent: true
        )
        let response = try await service.send(request)
        let root = try Self.parseXML(
            response.body,
            operation: "CreateMultipartUpload",
            expectedRoot: "InitiateMultipartUploadResult"
        )
        guard let uploadID = root.value("UploadId"), !uploadID.isEmpty else {
            throw Self.malformedResponse("CreateMultipartUpload", "no UploadId")
        }
        return uploadID
    }

    /// Uploads `length` bytes of the file at `path` from `offset` as part `partNumber` (1…10000), streamed.
    /// The slice is read once first for its MD5 (sent as `Content-MD5`) and SHA-256 (signed as the payload hash).
    public func uploadPart(
        bucket: String,
        key: String,
        uploadID: String,
        partNumber: Int,
        fileAt path: String,
        offset: UInt64,
        length: UInt64,
        timeouts: HTTPTimeouts? = nil
    ) async throws -> S3CompletedPart {
        try Self.checkPartNumber(partNumber)
        let digest = try S3BodyDigest(fileAt: path, offset: offset, length: length)
        var headers: HTTPHeaders = [:]
        headers["Content-MD5"] = digest.md5Base64
        let request = AWSRequest(
            method: "PUT",
            url: partURL(bucket: bucket, key: key, uploadID: uploadID, partNumber: partNumber),
            headers: headers,
            body: .file(path: path, offset: offset, length: length),
            payload: .sha256Hex(digest.sha256Hex),
            idempotent: true,
            timeouts: timeouts
        )
        return try Self.completedPart(partNumber, try await service.send(request))
    }

    /// Uploads `data` as part `partNumber`.
    public func uploadPart(
        bucket: String,
        key: String,
        uploadID: String,
        partNumber: Int,
        data: Data,
        timeouts: HTTPTimeouts? = nil
    ) async throws -> S3CompletedPart {
        try Self.checkPartNumber(partNumber)
        var headers: HTTPHeaders = [:]
        headers["Content-MD5"] = S3BodyDigest(data: data).md5Base64
        let request = AWSRequest(
            method: "PUT",
            url: partURL(bucket: bucket, key: key, uploadID: uploadID, partNumber: partNumber),
            headers: headers,
            body: .data(data),
            payload: .bytes(data),
            idempotent: true,
            timeouts: timeouts
        )
        return try Self.completedPart(partNumber, try await service.send(request))
    }

    /// Assembles the parts (sorted by number here, as S3 requires) into the object.
    ///
    /// S3 may answer 200 and then report failure in the body (it keeps the connection alive with whitespace while
    /// assembling); that `<Error>` becomes a thrown `AWSError`, retried like any other when it is retryable.
    @discardableResult
    public func completeMultipartUpload(
        bucket: String,
        key: String,
        uploadID: String,
        parts: [S3CompletedPart]
    ) async throws -> S3PutResult {
        guard !parts.isEmpty else { throw Self.invalidArgument("CompleteMultipartUpload needs at least one part") }
        var xml = S3XMLWriter()
        xml.open("CompleteMultipartUpload", namespace: true)
        for part in parts.sorted(by: { $0.partNumber < $1.partNumber }) {
            xml.open("Part")
            xml.element("PartNumber", String(part.partNumber))
            xml.element("ETag", part.eTag)
            xml.close("Part")
        }
        xml.close("CompleteMultipartUpload")
        let body = xml.data
        var headers: HTTPHeaders = [:]
        headers["Content-Type"] = "application/xml"
        let request = AWSRequest(
            method: "POST",
            url: url(bucket: bucket, key: key, query: [("uploadId", uploadID)]),
            headers: headers,
            body: .data(body),
            payload: .bytes(body),
            idempotent: true
        )
        var attempt = 0
        while true {
            let response = try await service.send(request)
            do {
                let root = try Self.parseXML(
                    response.body,
                    operation: "CompleteMultipartUpload",
                    expectedRoot: "CompleteMultipartUploadResult",
                    // moto names the root after the action; S3 documents `…Result`.
                    alternativeRoot: "CompleteMultipartUploadResponse"
                )
                return S3PutResult(
                    eTag: root.value("ETag") ?? response.headers["ETag"] ?? "",
                    versionID: response.headers["x-amz-version-id"],
                    checksumSHA256: root.value("ChecksumSHA256")
                )
            } catch let error as AWSError where error.isRetryable && attempt + 1 < service.retry.maxAttempts {
                attempt += 1
                try await Task.sleep(for: service.retry.delay(afterAttempt: attempt - 1))
            }
        }
    }

    /// Abandons an upload and frees its parts.
    public func abortMultipartUpload(bucket: String, key: String, uploadID: String) async throws {
        let request = AWSRequest(
            method: "DELETE",
            url: url(bucket: bucket, key: key, query: [("uploadId", uploadID)]),
            idempotent: true
        )
        _ = try await service.send(request)
    }

    /// Every part uploaded so far, following ListParts' pagination.
    public func listParts(
        bucket: String,
        key: String,
        uploadID: String,
        pageSize: Int? = nil
    ) async throws -> [S3UploadedPart] {
        var parts: [S3UploadedPart] = []
        var marker: String?
        while true {
            var query: [(String, String)] = [("uploadId", uploadID)]
            if let pageSize { query.append(("max-parts", String(pageSize))) }
            if let marker { query.append(("part-number-marker", marker)) }
            let request = AWSRequest(method: "GET", url: url(bucket: bucket, key: key, query: query), idempotent: true)
            let response = try await service.send(request)
            let root = try Self.parseXML(
                response.body,
                operation: "ListParts",
                expectedRoot: "ListPartsResult",
                alternativeRoot: "ListPartsResponse"
            )  // moto's name for it
            for node in root.all("Part") {
                guard let number = node.value("PartNumber").flatMap({ Int($0) }), let eTag = node.value("ETag") else {
                    throw Self.malformedResponse("ListParts", "<Part> without PartNumber or ETag")
                }
                parts.append(
                    S3UploadedPart(
                        partNumber: number,
                        eTag: eTag,
                        size: node.value("Size").flatMap { Int64($0) } ?? 0,
                        lastModified: node.value("LastModified").flatMap(S3Dates.parseISO8601)
                    )
                )
            }
            guard root.value("IsTruncated") == "true" else { return parts }
            guard let next = root.value("NextPartNumberMarker"), !next.isEmpty, next != marker else {
                throw Self.malformedResponse("ListParts", "IsTruncated=true without a new NextPartNumberMarker")
            }
            marker = next
        }
    }

    // MARK: Helpers

    func partURL(bucket: String, key: String, uploadID: String, partNumber: Int) -> URL {
        url(bucket: bucket, key: key, query: [("partNumber", String(partNumber)), ("uploadId", uploadID)])
    }

    static func checkPartNumber(_ partNumber: Int) throws {
        guard (1...maxPartCount).contains(partNumber) else {
            throw invalidArgument("part number \(partNumber) is outside 1…\(maxPartCount)")
        }
    }

    static func completedPart(_ partNumber: Int, _ response: HTTPResponse) throws -> S3CompletedPart {
        guard let eTag = response.headers["ETag"], !eTag.isEmpty else {
            throw malformedResponse("UploadPart", "no ETag header for part \(partNumber)")
        }
        return S3CompletedPart(partNumber: partNumber, eTag: eTag)
    }
}
