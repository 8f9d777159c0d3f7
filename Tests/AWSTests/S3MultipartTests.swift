import Foundation
import LecternTestSupport
import Testing

@testable import AWS

@Suite("S3 multipart uploads against moto")
struct S3MultipartTests {
    /// On the unchecked moto: presigned URLs get a 500 from the signature-checking one (see `MotoFlavor`).
    @Test func presignedUploadPartsOf20MBThenDownloadMatches() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket(on: .notCheckingSignatures)
        let size = 21 << 20 + 333
        let source = try S3Fixtures.makeFile(size: size)
        let target = S3Fixtures.temporaryPath("assembled")
        defer { S3Fixtures.remove(source, target) }
        let key = "uploads/lecture 01/raw.mov"

        let uploadID = try await s3.createMultipartUpload(bucket: bucket, key: key, contentType: "video/quicktime")
        let plan = S3Client.partPlan(size: UInt64(size), partSize: 5 << 20)
        #expect(plan.count == 5)
        var parts: [S3CompletedPart] = []
        for (index, slice) in plan.enumerated() {
            // What a browser does: a plain PUT of the bytes to the presigned URL, no signing of its own.
            let url = try await s3.presignedUploadPartURL(
                bucket: bucket,
                key: key,
                uploadID: uploadID,
                partNumber: index + 1
            )
            #expect(url.query?.contains("X-Amz-Signature=") == true)
            let response = try await S3Fixtures.transport.execute(
                HTTPRequest(
                    method: "PUT",
                    url: url,
                    body: .file(path: source, offset: slice.offset, length: slice.length)
                )
            )
            #expect(response.status == 200)
            let eTag = try #require(response.headers["ETag"])
            parts.append(S3CompletedPart(partNumber: index + 1, eTag: eTag))
        }
        let listed = try await s3.listParts(bucket: bucket, key: key, uploadID: uploadID, pageSize: 2)
        #expect(listed.map(\.partNumber) == [1, 2, 3, 4, 5])
        #expect(listed.map(\.eTag) == parts.map(\.eTag))
        #expect(listed.map(\.size) == plan.map { Int64($0.length) })

        // Completed out of order on purpose: the client sorts.
        let done = try await s3.completeMultipartUpload(
            bucket: bucket,
            key: key,
            uploadID: uploadID,
            parts: parts.reversed()
        )
        #expect(done.eTag.hasSuffix("-5\""))

        let info = try await s3.getObject(bucket: bucket, key: key, toFile: target)
        #expect(info.contentLength == Int64(size))
        #expect(info.contentType == "video/quicktime")
        #expect(try S3Fixtures.sha256(ofFile: target) == S3Fixtures.sha256(ofFile: source))
    }

    @Test func uploadFileInParallelParts() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        let size = 16 << 20 + 5
        let source = try S3Fixtures.makeFile(size: size, seed: 99)
        let target = S3Fixtures.temporaryPath("parallel")
        defer { S3Fixtures.remove(source, target) }

        let result = try await s3.uploadFile(
            path: source,
            bucket: bucket,
            key: "out/ladder.mp4",
            contentType: "video/mp4",
            metadata: ["job": "j-1"],
            partSize: 5 << 20,
            concurrency: 3
        )
        #expect(result.partCount == 4)
        #expect(result.size == UInt64(size))
        let head = try await s3.headObject(bucket: bucket, key: "out/ladder.mp4")
        #expect(head.eTag == result.eTag)
        #expect(head.metadata["job"] == "j-1")
        try await s3.getObject(bucket: bucket, key: "out/ladder.mp4", toFile: target)
        #expect(try S3Fixtures.sha256(ofFile: target) == S3Fixtures.sha256(ofFile: source))
    }

    @Test func uploadFileSmallIsASinglePut() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        let source = try S3Fixtures.makeFile(size: 1 << 20)
        defer { S3Fixtures.remove(source) }
        let result = try await s3.uploadFile(path: source, bucket: bucket, key: "small")
        #expect(result.partCount == 0)
        #expect(!result.eTag.contains("-"))
        #expect(try await s3.headObject(bucket: bucket, key: "small").contentLength == 1 << 20)
    }

    @Test func failedUploadFileIsAborted() async throws {
        // A bucket that does not exist fails CreateMultipartUpload; one that vanishes mid-way is hard to stage,
        // so fail UploadPart instead by pointing at a file slice that is shorter than planned.
        let (s3, bucket) = try await S3Fixtures.bucket()
        let key = "will-fail"
        let uploadID = try await s3.createMultipartUpload(bucket: bucket, key: key)
        let source = try S3Fixtures.makeFile(size: 1000)
        defer { S3Fixtures.remove(source) }
        let error = try await #require(throws: AWSError.self) {
            try await s3.uploadPart(
                bucket: bucket,
                key: key,
                uploadID: uploadID,
                partNumber: 1,
                fileAt: source,
                offset: 0,
                length: 5000
            )
        }
        #expect(error.code == "LocalFileError")
        try await s3.abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
        let gone = try await #require(throws: AWSError.self) {
            try await s3.listParts(bucket: bucket, key: key, uploadID: uploadID)
        }
        #expect(gone.code == "NoSuchUpload")
    }

    @Test func uploadFileToMissingBucketFailsCleanly() async throws {
        let (s3, _) = try await S3Fixtures.client()
        let source = try S3Fixtures.makeFile(size: 6 << 20)
        defer { S3Fixtures.remove(source) }
        let error = try await #require(throws: AWSError.self) {
            try await s3.uploadFile(path: source, bucket: MotoServer.uniqueName("absent"), key: "k", partSize: 5 << 20)
        }
        #expect(error.code == "NoSuchBucket")
    }

    @Test func uploadPartFromMemoryAndCompleteWithWrongETag() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        let uploadID = try await s3.createMultipartUpload(bucket: bucket, key: "k")
        let part = try await s3.uploadPart(
            bucket: bucket,
            key: "k",
            uploadID: uploadID,
            partNumber: 1,
            data: Data("tiny".utf8)
        )
        #expect(!part.eTag.isEmpty)
        let error = try await #require(throws: AWSError.self) {
            try await s3.completeMultipartUpload(
                bucket: bucket,
                key: "k",
                uploadID: uploadID,
                parts: [S3CompletedPart(partNumber: 1, eTag: "\"00000000000000000000000000000000\"")]
            )
        }
        #expect(error.code == "InvalidPart")
        // The real ETag still completes.
        try await s3.completeMultipartUpload(bucket: bucket, key: "k", uploadID: uploadID, parts: [part])
        #expect(try await s3.getObject(bucket: bucket, key: "k").body == Data("tiny".utf8))
    }

    @Test func invalidPartNumbersAreRefusedLocally() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        for number in [0, -1, 10_001] {
            let error = try await #require(throws: AWSError.self) {
                try await s3.uploadPart(bucket: bucket, key: "k", uploadID: "u", partNumber: number, data: Data())
            }
            #expect(error.code == "InvalidArgument")
        }
        await #expect(throws: AWSError.self) {
            try await s3.completeMultipartUpload(bucket: bucket, key: "k", uploadID: "u", parts: [])
        }
    }
}
