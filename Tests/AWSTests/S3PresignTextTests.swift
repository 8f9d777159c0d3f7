import Foundation
import Synchronization
import Testing

@testable import AWS
@testable import SigV4

/// The text-built presigned URLs (no Foundation `URL` on the way) against the `URL`-built ones they replace, for
/// keys that need every kind of encoding, on every addressing style.
@Suite("S3 presigned URLs built as text")
struct S3PresignTextTests {
    static let trickyKeys = [
        "plain.mp4", "lectures/a b+c=d%e~f/ü.mp4", "sources/lec_1/source", "x//y/", "/leading", "quote\"back\\slash",
        "emoji 😀/日本語.mov", "reserved !*'();:@&=+$,?#[]", "tab\tnewline\n", "~unreserved-._",
    ]
    static let endpoints: [String?] = [
        nil, "http://127.0.0.1:5000", "http://127.0.0.1:5000/s3/", "https://minio.example.edu:9000",
        "https://user:pw@s3.example.edu", "http://localhost",
    ]
    static let buckets = ["media", "lectern-media", "my.dotted.bucket", "UPPER_case"]

    /// No endpoint: AWS, virtual-hosted where the bucket allows it; a custom endpoint: path-style.
    func client(endpoint: String?, credentials: AWSCredentials = coreTestCredentials) -> S3Client {
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

    /// How S3 URLs were built before they were built as text (Foundation's `URLComponents` for the virtual-hosted
    /// host): the independent reference the text form must equal.
    func referenceURL(_ s3: S3Client, bucket: String, key: String = "", query: [(String, String)] = []) -> String {
        let encodedKey = AWSPercentEncoding.encode(key, keepingSlashes: true)
        if s3.usesPathStyle(for: bucket) {
            let encodedBucket = AWSPercentEncoding.encode(bucket, keepingSlashes: false)
            let path = key.isEmpty ? "/\(encodedBucket)" : "/\(encodedBucket)/\(encodedKey)"
            return AWSServiceClient.url(base: s3.service.endpoint, encodedPath: path, query: query).absoluteString
        }
        var components = URLComponents(url: s3.service.endpoint, resolvingAgainstBaseURL: false)!
        components.host = "\(bucket).\(components.host ?? "s3.\(s3.configuration.region).amazonaws.com")"
        components.percentEncodedPath = ""
        return AWSServiceClient.url(base: components.url!, encodedPath: "/" + encodedKey, query: query).absoluteString
    }

    @Test(arguments: endpoints)
    func urlTextEqualsTheURLForm(endpoint: String?) {
        let s3 = client(endpoint: endpoint)
        for bucket in Self.buckets {
            #expect(s3.urlString(bucket: bucket) == referenceURL(s3, bucket: bucket))
            #expect(s3.url(bucket: bucket).absoluteString == referenceURL(s3, bucket: bucket))
            for key in Self.trickyKeys {
                #expect(s3.urlString(bucket: bucket, key: key) == referenceURL(s3, bucket: bucket, key: key))
                let query = [("partNumber", "7"), ("uploadId", "a/b=c+d e")]
                #expect(
                    s3.urlString(bucket: bucket, key: key, query: query)
                        == referenceURL(s3, bucket: bucket, key: key, query: query)
                )
                #expect(
                    s3.url(bucket: bucket, key: key, query: query).absoluteString
                        == referenceURL(s3, bucket: bucket, key: key, query: query)
                )
            }
        }
    }

    @Test(arguments: endpoints)
    func presignedTextEqualsTheURLForm(endpoint: String?) async throws {
        let date = Date(timeIntervalSince1970: 1_764_093_162.75)
        let session = AWSCredentials(
            accessKeyID: "ASIAEXAMPLE",
            secretAccessKey: "secret/with+chars=",
            sessionToken: "tok/en+="
        )
        for credentials in [coreTestCredentials, session] {
            let s3 = client(endpoint: endpoint, credentials: credentials)
            let signer = try await s3.service.signer()
            for bucket in Self.buckets {
                for key in Self.trickyKeys {
                    let parts = try await s3.presignedUploadPartURLStrings(
                        bucket: bucket,
                        key: key,
                        uploadID: "up/load+id=",
                        partNumbers: [1, 2, 10_000],
                        expires: 900,
                        date: date
                    )
                    let old = [1, 2, 10_000].map {
                        signer.presignURL(
                            method: "PUT",
                            url: s3.partURL(bucket: bucket, key: key, uploadID: "up/load+id=", partNumber: $0),
                            expires: 900,
                            date: date
                        ).absoluteString
                    }
                    #expect(parts == old)
                    let get = try await s3.presignedGetURLString(bucket: bucket, key: key, expires: 3600, date: date)
                    #expect(
                        get
                            == signer.presignURL(
                                method: "GET",
                                url: s3.url(bucket: bucket, key: key),
                                expires: 3600,
                                date: date
                            ).absoluteString
                    )
                }
            }
        }
    }

    @Test func textPresigningRefusesWhatTheURLFormRefuses() async throws {
        let s3 = client(endpoint: "http://127.0.0.1:5000")
        for expires in [0, -1, 604_801] {
            await #expect(throws: AWSError.self) {
                _ = try await s3.presignedUploadPartURLStrings(
                    bucket: "b",
                    key: "k",
                    uploadID: "u",
                    partNumbers: [1],
                    expires: expires
                )
            }
            await #expect(throws: AWSError.self) {
                _ = try await s3.presignedGetURLString(bucket: "b", key: "k", expires: expires)
            }
        }
        for number in [0, 10_001, -3] {
            await #expect(throws: AWSError.self) {
                _ = try await s3.presignedUploadPartURLStrings(
                    bucket: "b",
                    key: "k",
                    uploadID: "u",
                    partNumbers: [1, number]
                )
            }
        }
    }

    @Test func theSignerIsReusedUntilTheCredentialsChange() async throws {
        // Given a provider whose credentials rotate when we say so
        let rotating = RotatingCredentials(coreTestCredentials)
        let service = AWSServiceClient(
            service: .s3,
            configuration: AWSConfiguration(region: "eu-west-1"),
            transport: FakeTransport { _ in HTTPResponse(status: 500) },
            credentials: rotating
        )
        let date = Date(timeIntervalSince1970: 1_764_093_162)
        // When one signer signs, a second call gets the same signer: its signing key is not derived again
        let first = try await service.signer()
        _ = first.presignURL(
            method: "GET",
            url: URL(string: "https://b.s3.eu-west-1.amazonaws.com/k")!,
            expires: 60,
            date: date
        )
        let second = try await service.signer()
        _ = second.presignURL(
            method: "GET",
            url: URL(string: "https://b.s3.eu-west-1.amazonaws.com/k")!,
            expires: 60,
            date: date
        )
        #expect(second.keyCache === first.keyCache)
        #expect(first.keyCache.misses == 1)
        // Then after a rotation the new credentials sign, never the cached signer's
        let rotated = AWSCredentials(accessKeyID: "AKIDROTATED", secretAccessKey: "new-secret")
        rotating.set(rotated)
        let third = try await service.signer()
        #expect(third.credentials == rotated)
        #expect(third.keyCache !== first.keyCache)
    }
}

final class RotatingCredentials: CredentialProvider {
    private let current: Mutex<AWSCredentials>
    init(_ credentials: AWSCredentials) { current = Mutex(credentials) }
    func set(_ credentials: AWSCredentials) { current.withLock { $0 = credentials } }
    func credentials() async throws -> AWSCredentials { current.withLock { $0 } }
}
