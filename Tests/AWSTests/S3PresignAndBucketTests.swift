import Foundation
import LecternTestSupport
import Testing

@testable import AWS

@Suite("S3 presigned URLs and buckets against moto")
struct S3PresignAndBucketTests {
    /// moto never verifies presigned signatures, and with its signature check on it answers them 500:
    /// the unchecked server shows the URLs are well-formed and routed to the right object.
    @Test func presignedPutThenPresignedGetWithRawTransport() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket(on: .notCheckingSignatures)
        let key = "incoming/lecture 02 ü+.mp4"
        let body = Data("uploaded by a browser".utf8)

        let putURL = try await s3.presignedPutURL(bucket: bucket, key: key, contentType: "video/mp4", expires: 300)
        let query = try #require(putURL.query)
        #expect(query.contains("X-Amz-Expires=300"))
        #expect(query.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256"))
        var headers: HTTPHeaders = [:]
        headers["Content-Type"] = "video/mp4"
        let put = try await S3Fixtures.transport.execute(
            HTTPRequest(method: "PUT", url: putURL, headers: headers, body: .data(body))
        )
        #expect(put.status == 200)

        let info = try await s3.headObject(bucket: bucket, key: key)
        #expect(info.contentType == "video/mp4")

        let getURL = try await s3.presignedGetURL(bucket: bucket, key: key)
        #expect(getURL.query?.contains("X-Amz-Expires=900") == true)
        #expect(getURL.path.hasSuffix("/lecture 02 ü+.mp4"))
        let get = try await S3Fixtures.transport.execute(HTTPRequest(method: "GET", url: getURL))
        #expect(get.status == 200)
        #expect(get.body == body)
    }

    @Test func presignedPOSTFormUpload() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket(on: .notCheckingSignatures)
        let post = try await s3.presignedPOST(
            bucket: bucket,
            key: "forms/${filename}",
            contentType: "video/mp4",
            maxSize: 1 << 30,
            expires: 600
        )
        #expect(post.url == s3.url(bucket: bucket))
        #expect(post.value(of: "Content-Type") == "video/mp4")
        #expect(post.value(of: "x-amz-signature")?.count == 64)
        #expect(post.policyJSON.contains(#"["content-length-range", 0, 1073741824]"#))
        #expect(post.policyJSON.contains(#"{"Content-Type": "video/mp4"}"#))
        #expect(post.policyJSON.contains(#"["starts-with", "$key", "forms/"]"#))

        // The browser's side: multipart/form-data with the fields, then the file last.
        let boundary = "lectern-\(UUID().uuidString)"
        var body = Data()
        for field in post.fields {
            let value = field.name == "key" ? "forms/talk.mp4" : field.value
            body += Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field.name)\"\r\n\r\n\(value)\r\n".utf8
            )
        }
        let file = Data("a small lecture".utf8)
        body += Data(
            """
            --\(boundary)\r\nContent-Disposition: form-data; name="file"; filename="talk.mp4"\r\n\
            Content-Type: video/mp4\r\n\r\n
            """
            .utf8
        )
        body += file + Data("\r\n--\(boundary)--\r\n".utf8)
        var headers: HTTPHeaders = [:]
        headers["Content-Type"] = "multipart/form-data; boundary=\(boundary)"
        let response = try await S3Fixtures.transport.execute(
            HTTPRequest(method: "POST", url: post.url, headers: headers, body: .data(body))
        )
        #expect((200..<300).contains(response.status))
        #expect(try await s3.getObject(bucket: bucket, key: "forms/talk.mp4").body == file)
    }

    @Test func presignedPOSTRejectsBadInput() async throws {
        let (s3, _) = try await S3Fixtures.client()
        await #expect(throws: AWSError.self) { try await s3.presignedPOST(bucket: "b", key: "k", expires: 0) }
        await #expect(throws: AWSError.self) { try await s3.presignedPOST(bucket: "b", key: "k", maxSize: -1) }
    }

    @Test func presignExpiryBounds() async throws {
        let (s3, _) = try await S3Fixtures.client()
        for expires in [0, -5, 604_801] {
            let error = try await #require(throws: AWSError.self) {
                try await s3.presignedGetURL(bucket: "b", key: "k", expires: expires)
            }
            #expect(error.code == "InvalidArgument")
        }
        let longest = try await s3.presignedGetURL(bucket: "b", key: "k", expires: 604_800)
        #expect(longest.query?.contains("X-Amz-Expires=604800") == true)
    }

    @Test func createBucketIsIdempotent() async throws {
        let (s3, _) = try await S3Fixtures.client()
        let bucket = MotoServer.uniqueName("idem")
        try await s3.createBucket(bucket)
        try await s3.createBucket(bucket)
        try await s3.putObject(bucket: bucket, key: "k", data: Data("v".utf8))
        #expect(try await s3.listAll(bucket: bucket).count == 1)
    }

    @Test func createBucketOutsideUSEast1SendsLocationConstraint() async throws {
        let moto = try await MotoServer.shared()
        let configuration = AWSConfiguration(region: "eu-west-1", endpoint: moto.endpoint)
        let context = AWSContext(
            configuration: configuration,
            transport: S3Fixtures.transport,
            credentials: StaticCredentialProvider(moto.credentials)
        )
        let s3 = context.s3
        let bucket = MotoServer.uniqueName("euwest")
        try await s3.createBucket(bucket)
        try await s3.createBucket(bucket)  // BucketAlreadyOwnedByYou outside us-east-1: still success
        let location = try await s3.service.send(
            AWSRequest(
                method: "GET",
                url: s3.url(bucket: bucket, query: [("location", "")]),
                idempotent: true
            )
        )
        #expect(try XMLNode.parse(location.body).text == "eu-west-1")
        try await s3.deleteBucket(bucket)
    }

    @Test func corsRoundTrip() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        let rules = [
            S3CORSRule(
                allowedOrigins: ["http://localhost:5173", "https://lectern.example"],
                allowedMethods: ["GET", "PUT", "POST"],
                allowedHeaders: ["*"],
                exposeHeaders: ["ETag"],
                maxAgeSeconds: 3000
            ),
            S3CORSRule(
                allowedOrigins: ["*"],
                allowedMethods: ["GET"],
                allowedHeaders: [],
                exposeHeaders: [],
                maxAgeSeconds: nil
            ),
        ]
        let none = try await #require(throws: AWSError.self) { try await s3.getBucketCORS(bucket: bucket) }
        #expect(none.code == "NoSuchCORSConfiguration")
        try await s3.putBucketCORS(bucket: bucket, rules: rules)
        #expect(try await s3.getBucketCORS(bucket: bucket) == rules)
    }
}
