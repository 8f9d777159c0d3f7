import Foundation
import LecternTestSupport
import Synchronization
import Testing

@testable import AWS

/// Passes requests to the real transport (and so to moto), watching UploadPart calls and failing the ones
/// `failPart` picks: a fault on our side of the wire, with S3's state still real.
final class S3PartWatchingTransport: HTTPTransport {
    struct State {
        var inFlight = 0
        var maxInFlight = 0
        var uploadIDs: Set<String> = []
        var aborts = 0
    }

    let inner: any HTTPTransport
    let failPart: @Sendable (Int) -> Bool
    let state = Mutex(State())

    init(inner: any HTTPTransport, failPart: @escaping @Sendable (Int) -> Bool = { _ in false }) {
        self.inner = inner
        self.failPart = failPart
    }

    func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        let items = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        let partNumber = items.first { $0.name == "partNumber" }.flatMap { $0.value.flatMap(Int.init) }
        let uploadID = items.first { $0.name == "uploadId" }?.value
        if request.method == "DELETE", let uploadID {
            state.withLock {
                $0.aborts += 1
                $0.uploadIDs.insert(uploadID)
            }
        }
        guard let partNumber, request.method == "PUT" else { return try await inner.execute(request) }
        state.withLock { state in
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
            if let uploadID { state.uploadIDs.insert(uploadID) }
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        if failPart(partNumber) {
            throw HTTPTransportError(
                kind: .fileIO,
                message: "injected failure of part \(partNumber)",
                url: request.url.absoluteString
            )
        }
        return try await inner.execute(request)
    }
}

@Suite("S3 uploadFile against moto")
struct S3UploadFileTests {
    func client(_ transport: S3PartWatchingTransport) async throws -> S3Client {
        let moto = try await MotoServer.shared()
        return S3Client(context: moto.context(transport: transport))
    }

    @Test func concurrencyIsBounded() async throws {
        let watcher = S3PartWatchingTransport(inner: S3Fixtures.transport)
        let s3 = try await client(watcher)
        let bucket = MotoServer.uniqueName("bounded")
        try await s3.createBucket(bucket)
        let source = try S3Fixtures.makeFile(size: 30 << 20 + 1, seed: 3)
        defer { S3Fixtures.remove(source) }

        let result = try await s3.uploadFile(path: source, bucket: bucket, key: "k", partSize: 5 << 20, concurrency: 2)
        #expect(result.partCount == 7)
        let state = watcher.state.withLock { $0 }
        #expect(state.maxInFlight >= 1 && state.maxInFlight <= 2)
        #expect(state.aborts == 0)
        #expect(try await s3.headObject(bucket: bucket, key: "k").contentLength == 30 << 20 + 1)
    }

    @Test func failedPartAbortsTheUpload() async throws {
        let watcher = S3PartWatchingTransport(inner: S3Fixtures.transport) { $0 == 3 }
        let s3 = try await client(watcher)
        let bucket = MotoServer.uniqueName("abort")
        try await s3.createBucket(bucket)
        let source = try S3Fixtures.makeFile(size: 20 << 20, seed: 4)
        defer { S3Fixtures.remove(source) }

        let error = try await #require(throws: AWSError.self) {
            try await s3.uploadFile(path: source, bucket: bucket, key: "k", partSize: 5 << 20, concurrency: 2)
        }
        #expect(error.code == "Transport.fileIO")
        let state = watcher.state.withLock { $0 }
        #expect(state.aborts == 1)
        let uploadID = try #require(state.uploadIDs.first)
        #expect(state.uploadIDs.count == 1)
        // The upload is gone on the server, and no object was created.
        let gone = try await #require(throws: AWSError.self) {
            try await s3.listParts(bucket: bucket, key: "k", uploadID: uploadID)
        }
        #expect(gone.code == "NoSuchUpload")
        let missing = try await #require(throws: AWSError.self) { try await s3.headObject(bucket: bucket, key: "k") }
        #expect(missing.isNotFound)
    }
}
