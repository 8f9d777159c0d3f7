import Foundation
import Testing

@testable import HTTPTransport

@Suite(.timeLimit(.minutes(3)))
struct ConnectionReuseTests {
    let server: HTTPTestServer

    init() async throws { server = try await HTTPTestServer.start() }

    private func acceptedConnections(via transport: CurlTransport) async throws -> Int {
        try await server.acceptedConnections(via: transport)
    }

    @Test func sequentialRequestsShareOneConnection() async throws {
        let transport = CurlTransport(timeouts: quickTimeouts)
        for _ in 0..<10 {
            let response = try await transport.execute(
                HTTPRequest(
                    method: "PUT",
                    url: server.url("/echo"),
                    body: .data(Data("x".utf8))
                )
            )
            #expect(response.status == 200)
        }
        #expect(try await acceptedConnections(via: transport) == 1)
    }

    @Test func concurrentRequestsReuseAFewConnections() async throws {
        // Given a transport allowed four connections to the host
        let transport = CurlTransport(timeouts: quickTimeouts, maxConnectionsPerHost: 4)
        let requestCount = 64

        // When 64 requests run at once
        let bodies = try await withThrowingTaskGroup(of: Data.self) { group in
            for index in 0..<requestCount {
                group.addTask {
                    try await transport.execute(HTTPRequest(method: "GET", url: server.url("/bytes/\(1000 + index)")))
                        .body
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        // Then each got its own answer, over no more connections than allowed
        #expect(Set(bodies.map(\.count)) == Set((0..<requestCount).map { 1000 + $0 }))
        #expect(bodies.allSatisfy { $0 == patternBytes($0.count) })
        let accepted = try await acceptedConnections(via: transport)
        #expect(accepted <= 4)
        #expect(accepted < requestCount)
    }
}

// The limits are hang guards, not speed checks. The 20 uploads below take 0.2 s in a serial run but 71-82 s in the
// parallel step of `make test` (past one minute in a fresh-clone run); why is not yet known (the Python server's
// share of 2 cores, or a resend that waits out a timeout?) — on the roadmap.
@Suite(.timeLimit(.minutes(3)))
struct ConnectionLifetimeTests {
    @Test func serverClosingIdleConnectionsDoesNotFailTheNextRequest() async throws {
        // The server drops every connection right after answering, without saying so: the next request
        // either sees the connection dead or has to be resent (rewinding its file body) on a new one.
        let server = try await HTTPTestServer.start()
        let scratch = try TemporaryDirectory()
        let source = scratch.file("body.bin")
        try patternBytes(300_000).write(to: URL(fileURLWithPath: source))
        let transport = CurlTransport(timeouts: quickTimeouts)
        for index in 0..<20 {
            let response = try await transport.execute(
                HTTPRequest(
                    method: "PUT",
                    url: server.url("/close-after?n=\(index)"),
                    body: .file(path: source, offset: UInt64(index), length: 200_000)
                )
            )
            let echo = try EchoReport(response)
            #expect(echo.bodyLength == 200_000)
            #expect(echo.path == "/close-after?n=\(index)")
        }
    }

    @Test func releasedTransportEndsItsLoopThread() async throws {
        let server = try await HTTPTestServer.start()
        weak var loop: CurlMultiLoop?
        do {
            let transport = CurlTransport(timeouts: quickTimeouts)
            loop = transport.loop
            #expect(try await transport.execute(HTTPRequest(method: "GET", url: server.url("/bytes/10"))).status == 200)
        }
        // The loop thread holds its loop until it exits, so the loop going away proves the thread ended.
        for _ in 0..<100 where loop != nil {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(loop == nil)
    }
}
