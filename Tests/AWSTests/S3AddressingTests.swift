import Foundation
import Testing

@testable import AWS

@Suite("S3 addressing and request bodies")
struct S3AddressingTests {
    func client(endpoint: String?, region: String = "eu-west-1") -> S3Client {
        let configuration = AWSConfiguration(region: region, endpoint: endpoint.flatMap(URL.init(string:)))
        return S3Client(
            AWSServiceClient(
                service: .s3,
                configuration: configuration,
                transport: FakeTransport { _ in HTTPResponse(status: 500) },
                credentials: StaticCredentialProvider(coreTestCredentials)
            )
        )
    }

    @Test func pathStyleOnCustomEndpoint() {
        let s3 = client(endpoint: "http://127.0.0.1:5000")
        #expect(
            s3.url(bucket: "media", key: "lectures/a b+c=d%e~f/ü.mp4").absoluteString
                == "http://127.0.0.1:5000/media/lectures/a%20b%2Bc%3Dd%25e~f/%C3%BC.mp4"
        )
        #expect(s3.url(bucket: "media").absoluteString == "http://127.0.0.1:5000/media")
        #expect(
            s3.url(bucket: "media", query: [("list-type", "2"), ("prefix", "a b/")]).absoluteString
                == "http://127.0.0.1:5000/media?list-type=2&prefix=a%20b%2F"
        )
    }

    @Test func pathStyleKeepsEndpointPath() {
        let s3 = client(endpoint: "http://127.0.0.1:5000/s3/")
        #expect(s3.url(bucket: "b", key: "k").absoluteString == "http://127.0.0.1:5000/s3/b/k")
    }

    @Test func virtualHostedOnAWS() {
        let s3 = client(endpoint: nil)
        #expect(
            s3.url(bucket: "lectern-media", key: "x/y z.txt").absoluteString
                == "https://lectern-media.s3.eu-west-1.amazonaws.com/x/y%20z.txt"
        )
        #expect(s3.url(bucket: "lectern-media").absoluteString == "https://lectern-media.s3.eu-west-1.amazonaws.com/")
        #expect(
            s3.url(bucket: "lectern-media", key: "k", query: [("partNumber", "3"), ("uploadId", "a/b=")]).absoluteString
                == "https://lectern-media.s3.eu-west-1.amazonaws.com/k?partNumber=3&uploadId=a%2Fb%3D"
        )
    }

    @Test func dottedBucketFallsBackToPathStyle() {
        let s3 = client(endpoint: nil)
        #expect(
            s3.url(bucket: "my.dotted.bucket", key: "k").absoluteString
                == "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/k"
        )
    }

    @Test func partPlanCoversTheFileExactly() {
        let size: UInt64 = 50 << 20 + 123
        let plan = S3Client.partPlan(size: size, partSize: 16 << 20)
        #expect(plan.count == 4)
        #expect(plan.map(\.length).reduce(0, +) == size)
        #expect(plan.last?.length == 2 << 20 + 123)
        for (previous, next) in zip(plan, plan.dropFirst()) {
            #expect(previous.offset + previous.length == next.offset)
        }
    }

    @Test func partPlanRespectsMinimumAndMaximum() {
        #expect(S3Client.partPlan(size: 12 << 20, partSize: 1).count == 3)  // raised to 5 MiB
        #expect(S3Client.partPlan(size: 0, partSize: 16 << 20).count == 1)
        let huge: UInt64 = 1 << 40  // 1 TiB at 16 MiB parts would be 65 536 parts
        let plan = S3Client.partPlan(size: huge, partSize: 16 << 20)
        #expect(plan.count <= S3Client.maxPartCount)
        #expect(plan.map(\.length).reduce(0, +) == huge)
    }

    @Test func xmlEscaping() {
        #expect(S3XMLWriter.escape(#"a&b<c>d"e'f"#) == "a&amp;b&lt;c&gt;d&quot;e&apos;f")
        var xml = S3XMLWriter()
        xml.open("Delete", namespace: true)
        xml.element("Key", "x<y")
        xml.close("Delete")
        #expect(
            xml.text.hasSuffix(#"<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Key>x&lt;y</Key></Delete>"#)
        )
    }

    @Test func digestOfFileSliceMatchesDigestOfBytes() throws {
        let bytes = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let path = try coreTemporaryFile("")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try bytes.write(to: URL(fileURLWithPath: path))
        let slice = try S3BodyDigest(fileAt: path, offset: 1_000_001, length: 1_500_000)
        let expected = S3BodyDigest(data: bytes[1_000_001..<2_500_001])
        #expect(slice.sha256 == expected.sha256)
        #expect(slice.md5 == expected.md5)
        #expect(try S3BodyDigest(fileAt: path).sha256Hex == S3BodyDigest(data: bytes).sha256Hex)
        // The well-known digests of the empty string.
        #expect(
            S3BodyDigest(data: Data()).sha256Hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        #expect(S3BodyDigest(data: Data()).md5Base64 == "1B2M2Y8AsgTpgAmY7PhCfg==")
    }

    @Test func digestOfShortOrMissingFileIsTypedError() throws {
        let path = try coreTemporaryFile("short")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let short = try #require(throws: AWSError.self) { try S3BodyDigest(fileAt: path, offset: 2, length: 100) }
        #expect(short.code == "LocalFileError")
        let missing = try #require(throws: AWSError.self) { try S3BodyDigest(fileAt: path + ".missing") }
        #expect(missing.code == "LocalFileError")
    }

    @Test func listPageParsing() throws {
        let page = try S3Client.parseListPage(
            Data(
                """
                <?xml version="1.0" encoding="UTF-8"?>
                <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix>
                <KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
                <NextContinuationToken>tok+/=</NextContinuationToken>
                <Contents><Key>a &amp; b</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified>\
                <ETag>"e1"</ETag><Size>10</Size><StorageClass>STANDARD</StorageClass></Contents>
                <Contents><Key>c</Key><Size>0</Size></Contents>
                <CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>
                </ListBucketResult>
                """.utf8
            )
        )
        #expect(page.objects.map(\.key) == ["a & b", "c"])
        #expect(page.objects[0].size == 10)
        #expect(page.objects[0].eTag == "\"e1\"")
        #expect(page.objects[0].lastModified == Date(timeIntervalSince1970: 1_767_323_045))
        #expect(page.commonPrefixes == ["dir/"])
        #expect(page.nextContinuationToken == "tok+/=")
        #expect(page.isTruncated)
    }

    @Test(arguments: [
        "<ListBucketResult><Contents><Key>a</Key><Size>ten</Size></Contents></ListBucketResult>",
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
        "<ListAllMyBucketsResult/>",
        "<ListBucketResult><Contents>",
        "{\"json\": true}",
        "",
    ])
    func malformedListPagesAreTypedErrors(body: String) throws {
        let error = try #require(throws: AWSError.self) { try S3Client.parseListPage(Data(body.utf8)) }
        #expect(error.code == "MalformedResponse")
        #expect(!error.isRetryable)
    }

    @Test func errorDocumentIn200IsTheErrorItDescribes() throws {
        let body = Data(
            """
            <Error><Code>InternalError</Code><Message>We encountered an internal \
            error.</Message><RequestId>R1</RequestId></Error>
            """
            .utf8
        )
        let error = try #require(throws: AWSError.self) {
            try S3Client.parseXML(
                body,
                operation: "CompleteMultipartUpload",
                expectedRoot: "CompleteMultipartUploadResult"
            )
        }
        #expect(error.code == "InternalError")
        #expect(error.status == 200)
        #expect(error.requestID == "R1")
        #expect(error.isRetryable)
    }
}

@Suite("S3Location")
struct S3LocationTests {
    @Test(arguments: [
        ("s3://media/lectures/01 intro.mp4", "media", "lectures/01 intro.mp4"),
        ("s3://b/k", "b", "k"),
        ("s3://b//leading-slash", "b", "/leading-slash"),
        ("s3://b/dir/", "b", "dir/"),
    ])
    func parses(uri: String, bucket: String, key: String) throws {
        #expect(try S3Location(uri: uri) == S3Location(bucket: bucket, key: key))
    }

    @Test(arguments: ["https://b/k", "s3://", "s3://bucket", "s3://bucket/", "s3:///key", "S3://b/k", "b/k", ""])
    func rejects(uri: String) {
        let error = #expect(throws: S3Location.ParseError.self) { try S3Location(uri: uri) }
        #expect(error?.description.contains("s3://BUCKET/KEY") == true)
    }
}
