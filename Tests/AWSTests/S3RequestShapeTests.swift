import Foundation
import Testing

@testable import AWS

/// What goes on the wire for each operation, checked through `FakeTransport` (what moto cannot tell us:
/// it ignores checksums and never reports per-key delete errors).
@Suite("S3 request shapes")
struct S3RequestShapeTests {
    func client(_ answer: @escaping @Sendable (HTTPRequest) -> HTTPResponse) -> (S3Client, CoreRequestLog) {
        let log = CoreRequestLog()
        let service = coreFakeClient(.s3, attempts: 1) { request in
            log.record(request)
            return answer(request)
        }
        return (S3Client(service), log)
    }

    @Test func putFileSendsChecksumsAndSignsTheRealHash() async throws {
        let bytes = Data((0..<2_500_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        let path = try coreTemporaryFile("")
        defer { S3Fixtures.remove(path) }
        try bytes.write(to: URL(fileURLWithPath: path))
        let (s3, log) = client { _ in
            HTTPResponse(status: 200, headers: ["ETag": "\"abc\"", "x-amz-checksum-sha256": "stored"])
        }

        let result = try await s3.putObject(
            bucket: "b",
            key: "k",
            fileAt: path,
            contentType: "video/mp4",
            metadata: ["Job": "1"]
        )
        #expect(result == S3PutResult(eTag: "\"abc\"", versionID: nil, checksumSHA256: "stored"))
        let request = try #require(log.requests.first)
        let digest = S3BodyDigest(data: bytes)
        #expect(request.method == "PUT")
        #expect(request.headers["Content-MD5"] == digest.md5Base64)
        #expect(request.headers["x-amz-checksum-sha256"] == digest.sha256Base64)
        #expect(request.headers["x-amz-content-sha256"] == digest.sha256Hex)
        #expect(request.headers["Content-Type"] == "video/mp4")
        #expect(request.headers["x-amz-meta-job"] == "1")
        #expect(request.body == .file(path: path))
    }

    @Test func putFileWithoutChecksumsIsUnsignedAndNotPreRead() async throws {
        let path = try coreTemporaryFile("abc")
        defer { S3Fixtures.remove(path) }
        let (s3, log) = client { _ in HTTPResponse(status: 200, headers: ["ETag": "\"e\""]) }
        try await s3.putObject(bucket: "b", key: "k", fileAt: path, checksums: [])
        let request = try #require(log.requests.first)
        #expect(request.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD")
        #expect(request.headers["Content-MD5"] == nil)
        #expect(request.headers["x-amz-checksum-sha256"] == nil)
    }

    @Test func uploadPartStreamsItsSlice() async throws {
        let bytes = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0) })
        let path = try coreTemporaryFile("")
        defer { S3Fixtures.remove(path) }
        try bytes.write(to: URL(fileURLWithPath: path))
        let (s3, log) = client { _ in HTTPResponse(status: 200, headers: ["ETag": "\"part\""]) }
        let part = try await s3.uploadPart(
            bucket: "b",
            key: "a b",
            uploadID: "up/1=",
            partNumber: 7,
            fileAt: path,
            offset: 1000,
            length: 5000
        )
        #expect(part == S3CompletedPart(partNumber: 7, eTag: "\"part\""))
        let request = try #require(log.requests.first)
        #expect(request.url.absoluteString == "http://127.0.0.1:9/b/a%20b?partNumber=7&uploadId=up%2F1%3D")
        #expect(request.body == .file(path: path, offset: 1000, length: 5000))
        #expect(request.headers["Content-MD5"] == S3BodyDigest(data: bytes[1000..<6000]).md5Base64)
        #expect(request.headers["x-amz-content-sha256"] == S3BodyDigest(data: bytes[1000..<6000]).sha256Hex)
    }

    @Test func uploadPartWithoutETagIsMalformed() async throws {
        let (s3, _) = client { _ in HTTPResponse(status: 200) }
        let error = try await #require(throws: AWSError.self) {
            try await s3.uploadPart(bucket: "b", key: "k", uploadID: "u", partNumber: 1, data: Data("x".utf8))
        }
        #expect(error.code == "MalformedResponse")
    }

    @Test func rangeHeader() async throws {
        let (s3, log) = client { _ in
            HTTPResponse(
                status: 206,
                headers: ["Content-Range": "bytes 5-9/100", "Content-Length": "5"],
                body: Data("56789".utf8)
            )
        }
        let object = try await s3.getObject(bucket: "b", key: "k", range: 5...9)
        #expect(log.requests.first?.headers["Range"] == "bytes=5-9")
        #expect(object.info.objectSize == 100)
        #expect(object.info.contentLength == 5)
        await #expect(throws: AWSError.self) { try await s3.getObject(bucket: "b", key: "k", range: -1...3) }
        #expect(log.count == 1)  // the bad range never went out
    }

    @Test func deleteObjectsBodyChecksumChunkingAndPerKeyErrors() async throws {
        let (s3, log) = client { request in
            guard case .data(let body) = request.body, let root = try? XMLNode.parse(body) else {
                return HTTPResponse(status: 400)
            }
            // Report every key containing "bad" as an error, the rest as deleted.
            let keys = root.all("Object").compactMap { $0.value("Key") }
            var xml = "<DeleteResult>"
            for key in keys {
                let escaped = S3XMLWriter.escape(key)
                xml +=
                    key.contains("bad")
                    ? "<Error><Key>\(escaped)</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
                    : "<Deleted><Key>\(escaped)</Key></Deleted>"
            }
            return HTTPResponse(status: 200, body: Data((xml + "</DeleteResult>").utf8))
        }
        let keys = (0..<2500).map { $0 == 1234 ? "bad & <odd>" : "k\($0)" }
        let result = try await s3.deleteObjects(bucket: "b", keys: keys)
        #expect(log.count == 3)
        #expect(result.deleted.count == 2499)
        #expect(
            result.failures == [S3DeleteFailure(key: "bad & <odd>", code: "AccessDenied", message: "Access Denied")]
        )
        for request in log.requests {
            guard case .data(let body) = request.body else {
                Issue.record("body not in memory")
                continue
            }
            #expect(request.method == "POST")
            #expect(request.url.query == "delete=")
            #expect(request.headers["Content-MD5"] == S3BodyDigest(data: body).md5Base64)
        }
    }

    @Test func completeSendsSortedPartsAndReadsTheETag() async throws {
        let (s3, log) = client { _ in
            HTTPResponse(
                status: 200,
                body: Data(
                    """
                    <CompleteMultipartUploadResult><Location>l</Location><Bucket>b</Bucket><Key>k</Key>\
                    <ETag>"x-3"</ETag></CompleteMultipartUploadResult>
                    """
                    .utf8
                )
            )
        }
        let parts = [3, 1, 2].map { S3CompletedPart(partNumber: $0, eTag: "\"e\($0)\"") }
        let result = try await s3.completeMultipartUpload(bucket: "b", key: "k", uploadID: "u", parts: parts)
        #expect(result.eTag == "\"x-3\"")
        guard case .data(let body) = try #require(log.requests.first).body else {
            Issue.record("body not in memory")
            return
        }
        let root = try XMLNode.parse(body)
        #expect(root.all("Part").compactMap { $0.value("PartNumber") } == ["1", "2", "3"])
        #expect(root.all("Part").compactMap { $0.value("ETag") } == ["\"e1\"", "\"e2\"", "\"e3\""])
    }

    @Test func createBucketOutsideUSEast1AndAlreadyOwned() async throws {
        let log = CoreRequestLog()
        let service = AWSServiceClient(
            service: .s3,
            configuration: AWSConfiguration(region: "eu-west-1", endpoint: URL(string: "http://127.0.0.1:9")!),
            transport: FakeTransport { request in
                log.record(request)
                return HTTPResponse(
                    status: 409,
                    body: Data("<Error><Code>BucketAlreadyOwnedByYou</Code><Message>yours</Message></Error>".utf8)
                )
            },
            credentials: StaticCredentialProvider(coreTestCredentials),
            retry: .none
        )
        try await S3Client(service).createBucket("mine")
        guard case .data(let body) = try #require(log.requests.first).body else {
            Issue.record("no body")
            return
        }
        #expect(try XMLNode.parse(body).value("LocationConstraint") == "eu-west-1")
    }

    @Test func createBucketTakenBySomeoneElseFails() async throws {
        let (s3, _) = client { _ in
            HTTPResponse(
                status: 409,
                body: Data("<Error><Code>BucketAlreadyExists</Code><Message>taken</Message></Error>".utf8)
            )
        }
        let error = try await #require(throws: AWSError.self) { try await s3.createBucket("taken") }
        #expect(error.code == "BucketAlreadyExists")
    }
}
