import CCurl
import Foundation
import Testing

@testable import HTTPTransport

/// Caller mistakes fail before anything is sent, with a clear typed error.
@Suite(.timeLimit(.minutes(3)))
struct ValidationTests {
    let transport = CurlTransport(timeouts: quickTimeouts)
    /// Nothing listens here; validation must fail before any connection attempt would.
    let url = URL(string: "http://127.0.0.1:9/")!

    @Test func missingBodyFileIsFileIO() async {
        let error = await transportError {
            try await transport.execute(
                HTTPRequest(method: "PUT", url: url, body: .file(path: "/nonexistent/lectern.bin"))
            )
        }
        #expect(error?.kind == .fileIO)
        #expect(error?.message.contains("/nonexistent/lectern.bin") == true)
    }

    @Test func sliceBeyondTheEndOfTheFileIsFileIO() async throws {
        let scratch = try TemporaryDirectory()
        let path = scratch.file("ten.bin")
        try patternBytes(10).write(to: URL(fileURLWithPath: path))
        for (offset, length) in [(UInt64(11), UInt64?.none), (5, 6), (0, 11)] {
            let error = await transportError {
                try await transport.execute(
                    HTTPRequest(method: "PUT", url: url, body: .file(path: path, offset: offset, length: length))
                )
            }
            #expect(error?.kind == .fileIO, "offset \(offset) length \(String(describing: length))")
        }
    }

    @Test func unwritableDestinationIsFileIO() async throws {
        let server = try await HTTPTestServer.start()
        let error = await transportError {
            try await transport.execute(
                HTTPRequest(
                    method: "GET",
                    url: server.url("/bytes/10"),
                    destination: .file(path: "/nonexistent/dir/out.bin")
                )
            )
        }
        #expect(error?.kind == .fileIO)
    }

    @Test func headerValueWithLineBreakIsRejected() async {
        let error = await transportError {
            try await transport.execute(HTTPRequest(method: "GET", url: url, headers: ["X-Evil": "a\r\nHost: other"]))
        }
        #expect(error?.kind == .other)
    }

    @Test(arguments: ["", "GE T", "GET\r\n"])
    func invalidMethodIsRejected(method: String) async {
        let error = await transportError { try await transport.execute(HTTPRequest(method: method, url: url)) }
        #expect(error?.kind == .other)
    }

    @Test func nonHTTPSchemeIsRejected() async {
        let error = await transportError {
            try await transport.execute(HTTPRequest(method: "GET", url: URL(string: "file:///etc/passwd")!))
        }
        #expect(error?.kind == .other)
    }

    @Test func contentLengthHeaderThatDisagreesWithTheBodyIsRejected() async {
        let error = await transportError {
            try await transport.execute(
                HTTPRequest(
                    method: "PUT",
                    url: url,
                    headers: ["Content-Length": "4"],
                    body: .data(Data("abc".utf8))
                )
            )
        }
        #expect(error?.kind == .other)
    }

    @Test func curlCodesMapToKinds() {
        let expected: [(CURLcode, HTTPTransportError.Kind)] = [
            (CURLE_COULDNT_RESOLVE_HOST, .couldNotResolveHost), (CURLE_COULDNT_CONNECT, .couldNotConnect),
            (CURLE_OPERATION_TIMEDOUT, .timedOut), (CURLE_GOT_NOTHING, .connectionBroken),
            (CURLE_RECV_ERROR, .connectionBroken), (CURLE_SEND_ERROR, .connectionBroken),
            (CURLE_PARTIAL_FILE, .connectionBroken), (CURLE_WEIRD_SERVER_REPLY, .invalidResponse),
            (CURLE_UNSUPPORTED_PROTOCOL, .invalidResponse), (CURLE_READ_ERROR, .fileIO),
            (CURLE_WRITE_ERROR, .fileIO), (CURLE_PEER_FAILED_VERIFICATION, .tls),
            (CURLE_SSL_CONNECT_ERROR, .tls), (CURLE_ABORTED_BY_CALLBACK, .cancelled),
            (CURLE_OUT_OF_MEMORY, .other),
        ]
        for (code, kind) in expected {
            #expect(HTTPTransportError.Kind(curlCode: code) == kind, "CURLcode \(code.rawValue)")
        }
    }

    @Test func durationsBecomeCurlMilliseconds() {
        #expect(Duration.milliseconds(1500).curlMilliseconds == 1500)
        #expect(Duration.nanoseconds(1).curlMilliseconds == 1)
        #expect(Duration.seconds(0).curlMilliseconds == 0)
        #expect(Duration.milliseconds(-5).curlMilliseconds == 0)
        #expect(Duration.seconds(Int64.max).curlMilliseconds == Int.max)
        #expect(Duration.milliseconds(200).curlSecondsAtLeastOne == 1)
        #expect(Duration.milliseconds(2001).curlSecondsAtLeastOne == 3)
    }
}

@Suite(.timeLimit(.minutes(3)))
struct ShutdownTests {
    @Test func shutdownCancelsRequestsInFlightAndRefusesNewOnes() async throws {
        let server = try await HTTPTestServer.start()
        let transport = CurlTransport(
            timeouts: HTTPTimeouts(
                connect: .seconds(120),
                total: .seconds(120),
                lowSpeedWindow: .seconds(120)
            )
        )
        #expect(try await transport.execute(HTTPRequest(method: "GET", url: server.url("/bytes/10"))).status == 200)
        let hanging = Task { try await transport.execute(HTTPRequest(method: "GET", url: server.url("/hang"))) }
        try await Task.sleep(for: .milliseconds(300))
        transport.shutdown()
        #expect(await transportError { try await hanging.value }?.kind == .cancelled)
        let error = await transportError {
            try await transport.execute(HTTPRequest(method: "GET", url: server.url("/bytes/10")))
        }
        #expect(error?.kind == .cancelled)
    }
}
