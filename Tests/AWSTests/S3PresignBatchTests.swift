import Foundation
import Testing

@testable import AWS
@testable import SigV4

/// `presignedUploadPartURLStrings` signs a batch through one `PresignTemplate`: each URL must be the one the general
/// path (`presignedURLString` of the part's own URL) gives, and moto must take parts PUT to them.
@Suite("S3 presigned UploadPart batches")
struct S3PresignBatchTests {
    /// xorshift64*, seeded: a failing case can be run again.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
    }

    static let alphabet = Array("abcXYZ019-_.~ +=%/&?#:@!$'()*,;[]\"<>\\^`{|}\télüß漢字🎬")

    static func randomText(_ rng: inout SeededGenerator, length: ClosedRange<Int>) -> String {
        String((0..<Int.random(in: length, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }

    func client(endpoint: String?, credentials: AWSCredentials) -> S3Client {
        let configuration = AWSConfiguration(region: "eu-west-1", endpoint: endpoint.flatMap(URL.init(string:)))
        return S3Client(
            AWSServiceClient(
                service: .s3,
                configuration: configuration,
                transport: FakeTransport { _ in HTTPResponse(status: 500) },
                credentials: StaticCredentialProvider(credentials)
            )
        )
    }

    @Test(
        """
        batch URLs equal the general path's for random keys, \
        upload IDs and part numbers, path-style and virtual-hosted
        """
    )
    func batchEqualsGeneralPath() async throws {
        var rng = SeededGenerator(state: 0xB47C_4_2026)
        let session = AWSCredentials(
            accessKeyID: "ASIAEXAMPLE",
            secretAccessKey: "secret/with+chars=",
            sessionToken: "tok/en+="
        )
        var compared = 0
        for endpoint in [nil, "http://127.0.0.1:5000", "https://user:pw@minio.example.edu:9000/s3/"] {
            for credentials in [coreTestCredentials, session] {
                let s3 = client(endpoint: endpoint, credentials: credentials)
                let signer = try await s3.service.signer()
                for _ in 0..<40 {
                    // "lectern-media" goes virtual-hosted on AWS, the dotted bucket path-style.
                    let bucket = Bool.random(using: &rng) ? "lectern-media" : "my.dotted.bucket"
                    let key = Self.randomText(&rng, length: 1...30)
                    let uploadID = Self.randomText(&rng, length: 1...60)
                    let numbers = (0..<10).map { _ in Int.random(in: 1...10_000, using: &rng) }
                    let expires = Int.random(in: 1...S3Client.maxPresignExpiry, using: &rng)
                    let date = Date(
                        timeIntervalSince1970: Double(Int.random(in: 1_500_000_000...2_500_000_000, using: &rng))
                    )
                    let batch = try await s3.presignedUploadPartURLStrings(
                        bucket: bucket,
                        key: key,
                        uploadID: uploadID,
                        partNumbers: numbers,
                        expires: expires,
                        date: date
                    )
                    let general = try numbers.map { number in
                        try signer.presignedURLString(
                            method: "PUT",
                            urlString: s3.urlString(
                                bucket: bucket,
                                key: key,
                                query: [("partNumber", String(number)), ("uploadId", uploadID)]
                            ),
                            expires: expires,
                            date: date
                        )
                    }
                    #expect(
                        batch == general,
                        "bucket \(bucket) key \(key.debugDescription) upload \(uploadID.debugDescription)"
                    )
                    compared += general.count
                }
            }
        }
        #expect(compared == 3 * 2 * 40 * 10)
        let s3 = client(endpoint: nil, credentials: coreTestCredentials)
        #expect(
            try await s3.presignedUploadPartURLStrings(bucket: "b", key: "k", uploadID: "u", partNumbers: []).isEmpty
        )
    }

    /// On the unchecked moto: presigned URLs get a 500 from the signature-checking one (see `MotoFlavor`).
    @Test func partsPutToBatchURLsAssembleTheObject() async throws {
        // Given a multipart upload and one batch of URLs for its two parts
        let (s3, bucket) = try await S3Fixtures.bucket(on: .notCheckingSignatures)
        let key = "uploads/lecture 02/raw+1.mov"
        let first = Data((0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let second = Data("the last, short part".utf8)
        let uploadID = try await s3.createMultipartUpload(bucket: bucket, key: key, contentType: "video/quicktime")
        let urls = try await s3.presignedUploadPartURLStrings(
            bucket: bucket,
            key: key,
            uploadID: uploadID,
            partNumbers: [1, 2]
        )

        // When each part is PUT to its URL, as a browser does (no signing of its own)
        var parts: [S3CompletedPart] = []
        for (index, body) in [first, second].enumerated() {
            let url = try #require(URL(string: urls[index]))
            let response = try await S3Fixtures.transport.execute(
                HTTPRequest(method: "PUT", url: url, body: .data(body))
            )
            #expect(response.status == 200)
            parts.append(S3CompletedPart(partNumber: index + 1, eTag: try #require(response.headers["ETag"])))
        }

        // Then the parts land under their numbers and the object is the two parts in order
        #expect(try await s3.listParts(bucket: bucket, key: key, uploadID: uploadID).map(\.partNumber) == [1, 2])
        _ = try await s3.completeMultipartUpload(bucket: bucket, key: key, uploadID: uploadID, parts: parts)
        let target = S3Fixtures.temporaryPath("batch")
        defer { S3Fixtures.remove(target) }
        _ = try await s3.getObject(bucket: bucket, key: key, toFile: target)
        #expect(try S3Fixtures.sha256(ofFile: target) == S3Fixtures.sha256(first + second))
    }
}
