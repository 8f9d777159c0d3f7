import Foundation
import HTTPTransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Every way a server can misbehave ends in a typed error within the request's timeout, never a hang,
/// and the transport keeps working afterwards.
@Suite(.timeLimit(.minutes(3)))
struct FailureTests {
    let server: HTTPTestServer
    let transport = CurlTransport(timeouts: quickTimeouts)

    init() async throws { server = try await HTTPTestServer.start() }

    private func get(_ path: String, timeouts: HTTPTimeouts? = nil) async throws -> HTTPResponse {
        try await transport.execute(HTTPRequest(method: "GET", url: server.url(path), timeouts: timeouts))
    }

    @Test func garbageAnswerIsInvalidResponse() async {
        let error = await transportError { try await get("/garbage") }
        #expect(error?.kind == .invalidResponse)
        #expect(error?.curlCode != nil)
        #expect(error?.url == server.url("/garbage").absoluteString)
    }

    @Test func truncatedBodyIsConnectionBroken() async {
        let error = await transportError { try await get("/truncated") }
        #expect(error?.kind == .connectionBroken)
        #expect(error?.isRetryable == true)
    }

    @Test func truncatedBodyToFileIsConnectionBroken() async throws {
        let scratch = try TemporaryDirectory()
        let error = await transportError {
            try await transport.execute(
                HTTPRequest(
                    method: "GET",
                    url: server.url("/truncated"),
                    destination: .file(path: scratch.file("partial"))
                )
            )
        }
        #expect(error?.kind == .connectionBroken)
    }

    @Test func connectionResetIsConnectionBroken() async {
        let error = await transportError { try await get("/reset") }
        #expect(error?.kind == .connectionBroken)
        #expect(error?.message.isEmpty == false)
    }

    @Test func untrustedCertificateIsTLSError() async throws {
        let tlsServer = try await HTTPTestServer.start(tls: true)
        let error = await transportError {
            try await transport.execute(HTTPRequest(method: "GET", url: tlsServer.url("/bytes/10")))
        }
        #expect(error?.kind == .tls)
        #expect(error?.isRetryable == false)
    }

    @Test func repeated503sAreResponses() async throws {
        for _ in 0..<5 {
            #expect(try await get("/status/503").status == 503)
        }
    }

    @Test func neverAnsweringServerTimesOut() async {
        let timeouts = HTTPTimeouts(connect: .seconds(5), total: .milliseconds(800))
        let error = await transportError { try await get("/hang", timeouts: timeouts) }
        #expect(error?.kind == .timedOut)
    }

    @Test func lowSpeedGuardCatchesAStalledServerWithoutTotalTimeout() async {
        let timeouts = HTTPTimeouts(
            connect: .seconds(5),
            total: nil,
            lowSpeedBytesPerSecond: 1,
            lowSpeedWindow: .seconds(1)
        )
        let error = await transportError { try await get("/hang", timeouts: timeouts) }
        #expect(error?.kind == .timedOut)
    }

    @Test func closedPortCannotConnect() async throws {
        let port = try closedLoopbackPort()
        let error = await transportError {
            try await transport.execute(HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/")!))
        }
        #expect(error?.kind == .couldNotConnect)
        #expect(error?.isRetryable == true)
    }

    @Test func connectTimeoutWhenTheServerNeverAcceptsTheConnection() async throws {
        // A listener whose accept queue is full drops further SYNs, so connecting never completes.
        let listener = try FullBacklogListener()
        let timeouts = HTTPTimeouts(connect: .milliseconds(500), total: .seconds(20))
        let error = await transportError {
            try await transport.execute(
                HTTPRequest(
                    method: "GET",
                    url: URL(string: "http://127.0.0.1:\(listener.port)/")!,
                    timeouts: timeouts
                )
            )
        }
        #expect(error?.kind == .timedOut)
    }

    @Test func cancellingARequestToASilentServerThrowsCancelledPromptly() async throws {
        // Timeouts far longer than the test's own limit: only cancellation can end this request in time.
        let patient = HTTPTimeouts(connect: .seconds(120), total: .seconds(120), lowSpeedWindow: .seconds(120))
        let task = Task { try await get("/hang", timeouts: patient) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let error = await transportError { try await task.value }
        #expect(error?.kind == .cancelled)
        #expect(error?.isRetryable == false)
    }

    @Test func requestFromAnAlreadyCancelledTaskThrowsCancelled() async {
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await get("/bytes/10")
        }
        let error = await transportError { try await task.value }
        #expect(error?.kind == .cancelled)
    }

    @Test func transportKeepsWorkingAfterEveryKindOfFailure() async throws {
        let short = HTTPTimeouts(connect: .seconds(5), total: .milliseconds(500))
        for path in ["/garbage", "/truncated", "/reset", "/hang"] {
            let error = await transportError { try await get(path, timeouts: short) }
            #expect(error != nil)
            let response = try await get("/bytes/2000")
            #expect(response.body == patternBytes(2000), "after \(path)")
        }
    }

    @Test func requestWaitingForABusyConnectionStillTimesOut() async throws {
        // Given the only allowed connection is held by a request the server never answers
        let single = CurlTransport(timeouts: quickTimeouts, maxConnectionsPerHost: 1)
        let patient = HTTPTimeouts(connect: .seconds(120), total: .seconds(120), lowSpeedWindow: .seconds(120))
        let hanging = Task {
            try await single.execute(HTTPRequest(method: "GET", url: server.url("/hang"), timeouts: patient))
        }
        defer { hanging.cancel() }
        // (the hanging request holds the connection once the server has accepted it; the probe's own
        // connection is the second one)
        let probe = CurlTransport(timeouts: quickTimeouts)
        while try await server.acceptedConnections(via: probe) < 2 {
            try await Task.sleep(for: .milliseconds(50))
        }

        // When another request queues behind it, its own total timeout still ends it
        let error = await transportError {
            try await single.execute(
                HTTPRequest(
                    method: "GET",
                    url: server.url("/bytes/10"),
                    timeouts: HTTPTimeouts(connect: .seconds(5), total: .seconds(1))
                )
            )
        }
        #expect(error?.kind == .timedOut)
    }

    /// libcurl 7.88 refuses CURLOPT_BUFFERSIZE on a handle that still holds its receive buffer, which a transfer
    /// removed while it waited for a free connection does, even after `curl_easy_reset`: recycled, that handle failed
    /// every later request it was given ("curl rejected option 98"). Found when the suite first ran in parallel and
    /// the API answered 500s after one request had queued past its timeout.
    @Test func aRequestThatTimedOutWaitingForAConnectionLeavesNoBrokenHandle() async throws {
        let single = CurlTransport(timeouts: quickTimeouts, maxConnectionsPerHost: 1)
        let patient = HTTPTimeouts(connect: .seconds(120), total: .seconds(120), lowSpeedWindow: .seconds(120))
        let hanging = Task {
            try await single.execute(HTTPRequest(method: "GET", url: server.url("/hang"), timeouts: patient))
        }
        let probe = CurlTransport(timeouts: quickTimeouts)
        while try await server.acceptedConnections(via: probe) < 2 {
            try await Task.sleep(for: .milliseconds(50))
        }
        let queued = await transportError {
            try await single.execute(
                HTTPRequest(
                    method: "GET",
                    url: server.url("/bytes/10"),
                    timeouts: HTTPTimeouts(connect: .seconds(5), total: .seconds(1))
                )
            )
        }
        #expect(queued?.kind == .timedOut)
        hanging.cancel()
        _ = await transportError { try await hanging.value }
        // Two at a time, so both recycled handles are used again.
        for _ in 0..<3 {
            async let first = single.execute(HTTPRequest(method: "GET", url: server.url("/bytes/100")))
            async let second = single.execute(HTTPRequest(method: "GET", url: server.url("/bytes/100")))
            let bodies = try await [first.body, second.body]
            #expect(bodies == [patternBytes(100), patternBytes(100)])
        }
    }

    @Test func cancelledTransferDoesNotDisturbItsNeighbours() async throws {
        let patient = HTTPTimeouts(connect: .seconds(120), total: .seconds(120), lowSpeedWindow: .seconds(120))
        let hanging = Task { try await get("/hang", timeouts: patient) }
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { try await get("/bytes/50000").body.count } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        hanging.cancel()
        #expect(results == Array(repeating: 50000, count: 8))
        #expect(await transportError { try await hanging.value }?.kind == .cancelled)
    }
}

/// A loopback port nothing listens on: bound, then closed again.
private func closedLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw TestServerError(message: "socket() failed") }
    defer { close(descriptor) }
    var address = loopbackAddress(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
        }
    }
    guard bound else { throw TestServerError(message: "bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A loopback listener that never accepts, with its one-slot accept queue already taken.
private final class FullBacklogListener {
    let port: Int
    private var descriptors: [Int32] = []

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        descriptors.append(listener)
        var address = loopbackAddress(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(listener, raw, length) == 0 && listen(listener, 0) == 0 && getsockname(listener, raw, &length) == 0
            }
        }
        guard listener >= 0, listening else { throw TestServerError(message: "cannot listen: \(errno)") }
        port = Int(UInt16(bigEndian: address.sin_port))
        for _ in 0..<3 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            descriptors.append(filler)
            var target = loopbackAddress(port: port)
            _ = withUnsafePointer(to: &target) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        usleep(100_000)  // let the handshakes of the fillers complete
    }

    deinit { for descriptor in descriptors where descriptor >= 0 { close(descriptor) } }
}

private func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return address
}
