import Foundation
import HTTPTransport
import Testing

@Suite(.timeLimit(.minutes(2)))
struct StreamingTests {
    let server: HTTPTestServer
    let transport = CurlTransport(timeouts: HTTPTimeouts(connect: .seconds(5), total: .seconds(90)))
    let scratch: TemporaryDirectory

    init() async throws {
        server = try await HTTPTestServer.start()
        scratch = try TemporaryDirectory()
    }

    @Test func fiftyMegabyteSliceUploadedFromFileAndDownloadedToFileIsByteExact() async throws {
        // Given a 50 MiB file and a slice of it that starts and ends off any block boundary
        let source = scratch.file("source.bin")
        try writeNoiseFile(source, size: 50 << 20)
        let offset: UInt64 = 123_457
        let length: UInt64 = (50 << 20) - offset - 98_765
        let saved = scratch.file("saved-by-server.bin")

        // When the slice is PUT, the server stores exactly those bytes
        let upload = try await transport.execute(
            HTTPRequest(
                method: "PUT",
                url: server.url("/save?path=\(saved)"),
                body: .file(path: source, offset: offset, length: length)
            )
        )
        let echo = try EchoReport(upload)
        #expect(echo.bodyLength == Int(length))
        #expect(echo.header("Content-Length") == "\(length)")
        #expect(echo.header("Expect") == nil)
        #expect(!echo.chunked)
        #expect(try file(saved, equalsSliceOf: source, offset: offset, length: length))

        // And downloading it back to a file gives the same bytes
        let downloaded = scratch.file("downloaded.bin")
        let download = try await transport.execute(
            HTTPRequest(
                method: "GET",
                url: server.url("/file?path=\(saved)"),
                destination: .file(path: downloaded)
            )
        )
        #expect(download.status == 200)
        #expect(download.body.isEmpty)
        #expect(download.bodyLength == Int64(length))
        #expect(try file(downloaded, equalsSliceOf: source, offset: offset, length: length))
    }

    @Test func fileBodyWithoutLengthSendsTheRestOfTheFile() async throws {
        let source = scratch.file("small.bin")
        try patternBytes(5000).write(to: URL(fileURLWithPath: source))
        let response = try await transport.execute(
            HTTPRequest(
                method: "PUT",
                url: server.url("/echo"),
                body: .file(path: source, offset: 4000)
            )
        )
        #expect(try EchoReport(response).body == patternBytes(5000).suffix(1000))
    }

    @Test func emptyResponseToFileStillCreatesTheFile() async throws {
        let target = scratch.file("empty.bin")
        let response = try await transport.execute(
            HTTPRequest(
                method: "GET",
                url: server.url("/bytes/0"),
                destination: .file(path: target)
            )
        )
        #expect(response.status == 200)
        #expect(FileManager.default.fileExists(atPath: target))
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)).isEmpty)
    }

    @Test func errorStatusToFileAlsoKeepsTheBodyInMemory() async throws {
        let target = scratch.file("error.bin")
        let response = try await transport.execute(
            HTTPRequest(
                method: "GET",
                url: server.url("/status/404"),
                destination: .file(path: target)
            )
        )
        #expect(response.status == 404)
        #expect(response.body == Data("status 404".utf8))
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data("status 404".utf8))
    }

    @Test func announcedBodyOverMemoryLimitFails() async throws {
        let error = await transportError {
            try await transport.execute(
                HTTPRequest(
                    method: "GET",
                    url: server.url("/bytes/100000"),
                    destination: .memory(limit: 99_999)
                )
            )
        }
        #expect(error?.kind == .responseTooLarge)
        #expect(error?.isRetryable == false)
    }

    @Test func chunkedBodyOverMemoryLimitFails() async throws {
        let error = await transportError {
            try await transport.execute(
                HTTPRequest(
                    method: "GET",
                    url: server.url("/stream/300000"),
                    destination: .memory(limit: 200_000)
                )
            )
        }
        #expect(error?.kind == .responseTooLarge)
    }

    @Test func bodyExactlyAtMemoryLimitIsAccepted() async throws {
        let response = try await transport.execute(
            HTTPRequest(
                method: "GET",
                url: server.url("/stream/300000"),
                destination: .memory(limit: 300_000)
            )
        )
        #expect(response.body == patternBytes(300_000))
    }
}
