import Foundation
import LecternTestSupport
import Testing

@testable import AWS

@Suite("S3 objects against moto")
struct S3ObjectTests {
    @Test func putHeadGetDeleteFromMemory() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        let body = Data("hello, lecture hall".utf8)
        let put = try await s3.putObject(
            bucket: bucket,
            key: "notes/hello.txt",
            data: body,
            contentType: "text/plain",
            metadata: ["Course": "CS101", "lecturer": "Ada"]
        )
        #expect(put.eTag == "\"\(S3BodyDigest(data: body).md5.map { String(format: "%02x", $0) }.joined())\"")

        let info = try await s3.headObject(bucket: bucket, key: "notes/hello.txt")
        #expect(info.contentLength == Int64(body.count))
        #expect(info.objectSize == Int64(body.count))
        #expect(info.eTag == put.eTag)
        #expect(info.contentType == "text/plain")
        #expect(info.metadata == ["course": "CS101", "lecturer": "Ada"])
        let modified = try #require(info.lastModified)
        #expect(abs(modified.timeIntervalSinceNow) < 600)

        let object = try await s3.getObject(bucket: bucket, key: "notes/hello.txt")
        #expect(object.body == body)
        #expect(object.info.eTag == put.eTag)

        try await s3.deleteObject(bucket: bucket, key: "notes/hello.txt")
        let gone = try await #require(throws: AWSError.self) {
            try await s3.headObject(bucket: bucket, key: "notes/hello.txt")
        }
        #expect(gone.isNotFound)
        #expect(gone.status == 404)
        // Deleting again is not an error, as in S3.
        try await s3.deleteObject(bucket: bucket, key: "notes/hello.txt")
    }

    @Test func putFileAndDownloadToFileStreamed() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        let source = try S3Fixtures.makeFile(size: 3 << 20 + 17)
        let target = S3Fixtures.temporaryPath("download")
        defer { S3Fixtures.remove(source, target) }

        let put = try await s3.putObject(bucket: bucket, key: "video/raw.mp4", fileAt: source, contentType: "video/mp4")
        #expect(!put.eTag.isEmpty)
        let info = try await s3.getObject(bucket: bucket, key: "video/raw.mp4", toFile: target)
        #expect(info.contentLength == 3 << 20 + 17)
        #expect(info.contentType == "video/mp4")
        #expect(try S3Fixtures.sha256(ofFile: target) == S3Fixtures.sha256(ofFile: source))
    }

    @Test(arguments: [S3Checksums(), .contentMD5, .sha256, .all])
    func putFileWithEachChecksumChoice(checksums: S3Checksums) async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        let source = try S3Fixtures.makeFile(size: 100_000, seed: UInt64(checksums.rawValue) + 7)
        defer { S3Fixtures.remove(source) }
        try await s3.putObject(bucket: bucket, key: "k", fileAt: source, checksums: checksums)
        let object = try await s3.getObject(bucket: bucket, key: "k")
        #expect(S3Fixtures.sha256(object.body) == (try S3Fixtures.sha256(ofFile: source)))
    }

    @Test func zeroByteObjects() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        let empty = try S3Fixtures.makeFile(size: 0)
        let target = S3Fixtures.temporaryPath("empty-download")
        defer { S3Fixtures.remove(empty, target) }

        try await s3.putObject(bucket: bucket, key: "from-memory", data: Data())
        try await s3.putObject(bucket: bucket, key: "from-file", fileAt: empty)
        let uploaded = try await s3.uploadFile(path: empty, bucket: bucket, key: "from-upload-file")
        #expect(uploaded.partCount == 0)
        for key in ["from-memory", "from-file", "from-upload-file"] {
            #expect(try await s3.headObject(bucket: bucket, key: key).contentLength == 0)
            #expect(try await s3.getObject(bucket: bucket, key: key).body.isEmpty)
        }
        try await s3.getObject(bucket: bucket, key: "from-file", toFile: target)
        #expect(FileManager.default.fileExists(atPath: target))
        #expect(try S3BodyDigest.fileSize(target) == 0)
    }

    @Test func rangedGet() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        let body = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        try await s3.putObject(bucket: bucket, key: "ranged", data: body)

        let middle = try await s3.getObject(bucket: bucket, key: "ranged", range: 1000...1999)
        #expect(middle.body == body[1000...1999])
        #expect(middle.info.contentLength == 1000)
        #expect(middle.info.objectSize == 10_000)
        #expect(middle.info.contentRange == "bytes 1000-1999/10000")

        let target = S3Fixtures.temporaryPath("range")
        defer { S3Fixtures.remove(target) }
        // A range past the end is clipped by S3 to the object's last byte.
        let tail = try await s3.getObject(bucket: bucket, key: "ranged", toFile: target, range: 9990...20_000)
        #expect(tail.contentLength == 10)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == body[9990...])

        let invalid = try await #require(throws: AWSError.self) {
            try await s3.getObject(bucket: bucket, key: "ranged", range: 20_000...20_010)
        }
        #expect(invalid.code == "InvalidRange")
        #expect(invalid.status == 416)
    }

    @Test func missingObjectDownloadLeavesNoFile() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        let target = S3Fixtures.temporaryPath("missing")
        let error = try await #require(throws: AWSError.self) {
            try await s3.getObject(bucket: bucket, key: "absent", toFile: target)
        }
        #expect(error.code == "NoSuchKey")
        #expect(error.isNotFound)
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func missingLocalFileIsATypedError() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        let error = try await #require(throws: AWSError.self) {
            try await s3.putObject(bucket: bucket, key: "k", fileAt: "/nonexistent/\(UUID().uuidString)")
        }
        #expect(error.code == "LocalFileError")
    }

    static let awkwardKeys = [
        "with space.txt", "ünïcödé/日本語/🎓.mp4", "plus+sign", "equals=sign&amp", "percent%20literal", "tilde~file",
        "nested/deeply/nested/key", "quote'and\"double", "brackets[1](2){3}", "semi;colon,comma", "trailing/",
        "question?mark#hash", "a//double//slash", "*star!bang$dollar@at",
    ]

    /// Keys the signature-checking moto can verify (see `MotoFlavor`).
    static let signableKeys = [
        "with space.txt", "nested/deeply/nested/key", "tilde~file", "dash-under_dot.", "trailing/",
    ]

    @Test(arguments: MotoFlavor.allCases)
    func keysNeedingEncodingRoundTrip(flavor: MotoFlavor) async throws {
        let (s3, bucket) = try await S3Fixtures.bucket(on: flavor)
        let keys = flavor == .checkingSignatures ? Self.signableKeys : Self.awkwardKeys
        for key in keys {
            let body = Data("body of \(key)".utf8)
            try await s3.putObject(bucket: bucket, key: key, data: body)
            let info = try await s3.headObject(bucket: bucket, key: key)
            #expect(info.contentLength == Int64(body.count), "head \(key)")
            #expect(try await s3.getObject(bucket: bucket, key: key).body == body, "get \(key)")
        }
        let listed = try await s3.listAll(bucket: bucket)
        #expect(listed.map(\.key).sorted() == keys.sorted())
        guard flavor == .notCheckingSignatures else { return }
        // Prefixes with odd characters are encoded as query values.
        let unicode = try await s3.listAll(bucket: bucket, prefix: "ünïcödé/")
        #expect(unicode.map(\.key) == ["ünïcödé/日本語/🎓.mp4"])
        let plus = try await s3.listAll(bucket: bucket, prefix: "plus+")
        #expect(plus.map(\.key) == ["plus+sign"])
    }

    @Test func listPaginationWithSignatureChecks() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket()
        let keys = (0..<5).map { "k\($0)" }
        for key in keys { try await s3.putObject(bucket: bucket, key: key, data: Data()) }
        var pages: [S3ListPage] = []
        for try await page in s3.listObjectPages(bucket: bucket, pageSize: 2) { pages.append(page) }
        #expect(pages.map(\.objects.count) == [2, 2, 1])
        #expect(pages.flatMap(\.objects).map(\.key) == keys)
    }

    /// Prefix `lectures/` and delimiter `/` go out percent-encoded, which only the unchecked moto verifies.
    @Test func listPaginationWithPrefixAndDelimiter() async throws {
        let (s3, bucket) = try await S3Fixtures.bucket(on: .notCheckingSignatures)
        let keys = (0..<7).map { "lectures/\(String(format: "%02d", $0)).mp4" } + ["other/x", "root"]
        for key in keys { try await s3.putObject(bucket: bucket, key: key, data: Data(key.utf8)) }

        var pages: [S3ListPage] = []
        for try await page in s3.listObjectPages(bucket: bucket, prefix: "lectures/", pageSize: 2) {
            pages.append(page)
        }
        #expect(pages.map(\.objects.count) == [2, 2, 2, 1])
        #expect(pages.dropLast().allSatisfy { $0.isTruncated })
        #expect(pages.last?.nextContinuationToken == nil)
        #expect(pages.flatMap(\.objects).map(\.key) == Array(keys.prefix(7)))
        #expect(pages.flatMap(\.objects).allSatisfy { $0.size == 15 })

        #expect(try await s3.listAll(bucket: bucket, pageSize: 3).map(\.key) == keys.sorted())

        let rolled = try await s3.listObjects(bucket: bucket, delimiter: "/")
        #expect(rolled.commonPrefixes == ["lectures/", "other/"])
        #expect(rolled.objects.map(\.key) == ["root"])

        let invalid = try await #require(throws: AWSError.self) { try await s3.listObjects(bucket: bucket, maxKeys: 0) }
        #expect(invalid.code == "InvalidArgument")
    }

    @Test func listOfMissingBucket() async throws {
        let (s3, _) = try await S3Fixtures.client()
        let error = try await #require(throws: AWSError.self) {
            try await s3.listObjects(bucket: MotoServer.uniqueName("absent"))
        }
        #expect(error.code == "NoSuchBucket")
        #expect(error.isNotFound)
    }

    @Test(arguments: MotoFlavor.allCases)
    func deleteObjectsBatch(flavor: MotoFlavor) async throws {
        let (s3, bucket) = try await S3Fixtures.bucket(on: flavor)
        // `&` and `<` must be escaped in the XML body; the signed server cannot take them in a PUT path.
        let keys = flavor == .checkingSignatures ? ["a", "b/c", "sp ace"] : ["a", "b/c", "sp ace", "ü", "x&y<z>"]
        for key in keys { try await s3.putObject(bucket: bucket, key: key, data: Data(key.utf8)) }
        try await s3.putObject(bucket: bucket, key: "keep", data: Data())
        let result = try await s3.deleteObjects(bucket: bucket, keys: keys + ["never-existed"])
        #expect(result.failures.isEmpty)
        #expect(Set(result.deleted).isSuperset(of: keys))
        #expect(try await s3.listAll(bucket: bucket).map(\.key) == ["keep"])
        let empty = try await s3.deleteObjects(bucket: bucket, keys: [])
        #expect(empty.deleted.isEmpty && empty.failures.isEmpty)
    }

    @Test func wrongSecretIsSignatureDoesNotMatch() async throws {
        let (_, bucket) = try await S3Fixtures.bucket()
        let moto = try await MotoServer.shared()
        let wrong = AWSCredentials(accessKeyID: moto.credentials.accessKeyID, secretAccessKey: "not-the-secret")
        let (s3, _) = try await S3Fixtures.client(credentials: wrong)
        let error = try await #require(throws: AWSError.self) {
            try await s3.putObject(bucket: bucket, key: "k", data: Data("x".utf8))
        }
        #expect(error.code == "SignatureDoesNotMatch")
        #expect(error.isSignatureMismatch)
        #expect(error.status == 403)
        #expect(!error.isRetryable)
    }

    @Test func unknownAccessKeyIsRejected() async throws {
        let (_, bucket) = try await S3Fixtures.bucket()
        let (s3, _) = try await S3Fixtures.client(
            credentials: AWSCredentials(accessKeyID: "AKIANOBODY0000000000", secretAccessKey: "x")
        )
        let error = try await #require(throws: AWSError.self) { try await s3.listObjects(bucket: bucket) }
        #expect(error.code == "InvalidAccessKeyId")
        #expect(error.status == 403)
    }
}
