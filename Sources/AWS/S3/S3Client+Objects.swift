import Foundation
import HTTPTransport
import SigV4

extension S3Client {
    // MARK: PutObject

    /// Uploads `data` as one object. `Content-MD5` / `x-amz-checksum-sha256` per `checksums`; the payload is signed.
    @discardableResult
    public func putObject(
        bucket: String,
        key: String,
        data: Data,
        contentType: String? = nil,
        metadata: [String: String] = [:],
        checksums: S3Checksums = .all,
        timeouts: HTTPTimeouts? = nil
    ) async throws -> S3PutResult {
        var headers = Self.objectHeaders(contentType: contentType, metadata: metadata)
        if !checksums.isEmpty { Self.addChecksums(S3BodyDigest(data: data), checksums, to: &headers) }
        let request = AWSRequest(
            method: "PUT",
            url: url(bucket: bucket, key: key),
            headers: headers,
            body: .data(data),
            payload: .bytes(data),
            idempotent: true,
            timeouts: timeouts
        )
        return Self.putResult(try await service.send(request))
    }

    /// Uploads the file at `path` as one object, streamed from disk.
    ///
    /// With checksums, the file is read once before sending to compute them (headers precede the body), and the
    /// same pass yields the SHA-256 we sign as the payload hash: S3 then rejects a body that changed between
    /// hashing and sending. Without checksums there is no pre-pass and the payload goes `UNSIGNED-PAYLOAD`.
    @discardableResult
    public func putObject(
        bucket: String,
        key: String,
        fileAt path: String,
        contentType: String? = nil,
        metadata: [String: String] = [:],
        checksums: S3Checksums = .all,
        timeouts: HTTPTimeouts? = nil
    ) async throws -> S3PutResult {
        _ = try S3BodyDigest.fileSize(path)  // a missing file is a typed error before anything is sent
        var headers = Self.objectHeaders(contentType: contentType, metadata: metadata)
        var payload = PayloadHash.unsigned
        if !checksums.isEmpty {
            let digest = try S3BodyDigest(fileAt: path)
            Self.addChecksums(digest, checksums, to: &headers)
            payload = .sha256Hex(digest.sha256Hex)
        }
        let request = AWSRequest(
            method: "PUT",
            url: url(bucket: bucket, key: key),
            headers: headers,
            body: .file(path: path),
            payload: payload,
            idempotent: true,
            timeouts: timeouts
        )
        return Self.putResult(try await service.send(request))
    }

    // MARK: GetObject / HeadObject

    /// Downloads an object (or `range` of it, inclusive byte offsets) into memory, up to `limit` bytes.
    public func getObject(
        bucket: String,
        key: String,
        range: ClosedRange<Int64>? = nil,
        limit: Int = 64 << 20,
        timeouts: HTTPTimeouts? = nil
    ) async throws -> S3Object {
        let request = try getRequest(
            bucket: bucket,
            key: key,
            range: range,
            destination: .memory(limit: limit),
            timeouts: timeouts
        )
        let response = try await service.send(request)
        return S3Object(info: S3ObjectInfo(response: response), body: response.body)
    }

    /// Streams an object (or `range` of it) to the file at `path`, created or truncated.
    /// On an error answer the file is removed.
    @discardableResult
    public func getObject(
        bucket: String,
        key: String,
        toFile path: String,
        range: ClosedRange<Int64>? = nil,
        timeouts: HTTPTimeouts? = nil
    ) async throws -> S3ObjectInfo {
        let request = try getRequest(
            bucket: bucket,
            key: key,
            range: range,
            destination: .file(path: path),
            timeouts: timeouts
        )
        let response = try await service.send(request)
        return S3ObjectInfo(response: response)
    }

    /// The object's metadata. A missing key throws an `AWSError` whose `isNotFound` is true
    /// (HEAD answers carry no body, so the code is `NotFound`).
    public func headObject(bucket: String, key: String) async throws -> S3ObjectInfo {
        let request = AWSRequest(method: "HEAD", url: url(bucket: bucket, key: key), idempotent: true)
        return S3ObjectInfo(response: try await service.send(request))
    }

    /// Deletes an object; deleting a missing key succeeds, as in S3.
    public func deleteObject(bucket: String, key: String) async throws {
        let request = AWSRequest(method: "DELETE", url: url(bucket: bucket, key: key), idempotent: true)
        _ = try await service.send(request)
    }

    // MARK: Helpers

    private func getRequest(
        bucket: String,
        key: String,
        range: ClosedRange<Int64>?,
        destination: HTTPResponseDestination,
        timeouts: HTTPTimeouts?
    ) throws -> AWSRequest {
        var headers: HTTPHeaders = [:]
        if let range {
            guard range.lowerBound >= 0 else { throw Self.invalidArgument("byte range \(range) starts before 0") }
            headers["Range"] = "bytes=\(range.lowerBound)-\(range.upperBound)"
        }
        return AWSRequest(
            method: "GET",
            url: url(bucket: bucket, key: key),
            headers: headers,
            destination: destination,
            idempotent: true,
            timeouts: timeouts
        )
    }

    static func objectHeaders(contentType: String?, metadata: [String: String]) -> HTTPHeaders {
        var headers: HTTPHeaders = [:]
        headers["Content-Type"] = contentType ?? "application/octet-stream"
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            headers["x-amz-meta-\(name.lowercased())"] = value
        }
        return headers
    }

    static func addChecksums(_ digest: S3BodyDigest, _ checksums: S3Checksums, to headers: inout HTTPHeaders) {
        if checksums.contains(.contentMD5) { headers["Content-MD5"] = digest.md5Base64 }
        if checksums.contains(.sha256) { headers["x-amz-checksum-sha256"] = digest.sha256Base64 }
    }

    static func putResult(_ response: HTTPResponse) -> S3PutResult {
        S3PutResult(
            eTag: response.headers["ETag"] ?? "",
            versionID: response.headers["x-amz-version-id"],
            checksumSHA256: response.headers["x-amz-checksum-sha256"]
        )
    }
}
