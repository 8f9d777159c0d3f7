import Foundation
import HTTPTransport
import Testing

@Suite(.timeLimit(.minutes(3)))
struct MethodTests {
    let server: HTTPTestServer
    let transport = CurlTransport(timeouts: quickTimeouts)

    init() async throws { server = try await HTTPTestServer.start() }

    @Test func getReturnsStatusHeadersAndBody() async throws {
        let response = try await transport.execute(HTTPRequest(method: "GET", url: server.url("/bytes/1000")))
        #expect(response.status == 200)
        #expect(response.headers["content-length"] == "1000")
        #expect(response.body == patternBytes(1000))
        #expect(response.bodyLength == 1000)
    }

    @Test func putSendsBodyWithContentLengthAndNoExpect() async throws {
        let body = Data("hello, lectern".utf8)
        let response = try await transport.execute(
            HTTPRequest(
                method: "PUT",
                url: server.url("/echo"),
                headers: ["X-Custom": "one", "x-empty": ""],
                body: .data(body)
            )
        )
        let echo = try EchoReport(response)
        #expect(echo.method == "PUT")
        #expect(echo.body == body)
        #expect(echo.header("Content-Length") == "\(body.count)")
        #expect(!echo.chunked)
        #expect(echo.header("Expect") == nil)
        #expect(echo.header("X-Custom") == "one")
        #expect(echo.header("x-empty") == "")
    }

    @Test func zeroBytePutSendsContentLengthZero() async throws {
        let response = try await transport.execute(HTTPRequest(method: "PUT", url: server.url("/echo")))
        let echo = try EchoReport(response)
        #expect(echo.method == "PUT")
        #expect(echo.bodyLength == 0)
        #expect(echo.header("Content-Length") == "0")
        #expect(!echo.chunked)
    }

    @Test func postSendsBodyWithoutCurlsFormContentType() async throws {
        let body = Data("Action=SendMessage&MessageBody=x".utf8)
        let response = try await transport.execute(
            HTTPRequest(method: "POST", url: server.url("/echo"), body: .data(body))
        )
        let echo = try EchoReport(response)
        #expect(echo.method == "POST")
        #expect(echo.body == body)
        #expect(echo.header("Content-Type") == nil)
        #expect(echo.header("Content-Length") == "\(body.count)")
    }

    @Test func postKeepsCallersContentType() async throws {
        let response = try await transport.execute(
            HTTPRequest(
                method: "POST",
                url: server.url("/echo"),
                headers: ["Content-Type": "application/x-amz-json-1.0"],
                body: .data(Data("{}".utf8))
            )
        )
        #expect(try EchoReport(response).header("Content-Type") == "application/x-amz-json-1.0")
    }

    @Test func emptyPostSendsContentLengthZero() async throws {
        let response = try await transport.execute(HTTPRequest(method: "POST", url: server.url("/echo")))
        let echo = try EchoReport(response)
        #expect(echo.header("Content-Length") == "0")
        #expect(echo.bodyLength == 0)
    }

    @Test func deleteUsesTheMethodName() async throws {
        let response = try await transport.execute(HTTPRequest(method: "DELETE", url: server.url("/echo?versionId=3")))
        let echo = try EchoReport(response)
        #expect(echo.method == "DELETE")
        #expect(echo.path == "/echo?versionId=3")
        #expect(echo.bodyLength == 0)
    }

    @Test func otherMethodWithBodyKeepsItsNameAndContentLength() async throws {
        let body = Data("{\"op\":\"replace\"}".utf8)
        let response = try await transport.execute(
            HTTPRequest(method: "PATCH", url: server.url("/echo"), body: .data(body))
        )
        let echo = try EchoReport(response)
        #expect(echo.method == "PATCH")
        #expect(echo.body == body)
        #expect(echo.header("Content-Length") == "\(body.count)")
        #expect(!echo.chunked)
    }

    @Test func headReturnsHeadersWithoutBody() async throws {
        let response = try await transport.execute(HTTPRequest(method: "HEAD", url: server.url("/bytes/5000")))
        #expect(response.status == 200)
        #expect(response.headers["Content-Length"] == "5000")
        #expect(response.body.isEmpty)
        #expect(response.bodyLength == 0)
    }

    @Test func headOfALargeObjectIgnoresTheMemoryLimit() async throws {
        let response = try await transport.execute(
            HTTPRequest(
                method: "HEAD",
                url: server.url("/bytes/100000"),
                destination: .memory(limit: 10)
            )
        )
        #expect(response.headers["Content-Length"] == "100000")
    }

    @Test func callerContentLengthThatMatchesIsSentOnce() async throws {
        let response = try await transport.execute(
            HTTPRequest(
                method: "PUT",
                url: server.url("/echo"),
                headers: ["Content-Length": "3"],
                body: .data(Data("abc".utf8))
            )
        )
        let echo = try EchoReport(response)
        #expect(echo.headers.filter { $0.first?.lowercased() == "content-length" }.count == 1)
        #expect(echo.bodyLength == 3)
    }

    @Test func finalStatusAfterUnsolicitedContinue() async throws {
        let response = try await transport.execute(HTTPRequest(method: "GET", url: server.url("/continue")))
        #expect(response.status == 200)
        #expect(response.headers["X-Final"] == "yes")
        #expect(response.body == Data("after continue".utf8))
    }

    @Test(arguments: [301, 307])
    func redirectsAreReturnedNotFollowed(status: Int) async throws {
        let response = try await transport.execute(HTTPRequest(method: "GET", url: server.url("/status/\(status)")))
        #expect(response.status == status)
        #expect(response.headers["Location"] == "http://127.0.0.1:1/elsewhere")
    }

    @Test func errorStatusesAreResponsesNotErrors() async throws {
        let response = try await transport.execute(HTTPRequest(method: "GET", url: server.url("/status/503")))
        #expect(response.status == 503)
        #expect(response.body == Data("status 503".utf8))
    }
}
