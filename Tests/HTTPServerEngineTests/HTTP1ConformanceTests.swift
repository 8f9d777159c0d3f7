import Foundation
import LecternTestSupport
import Synchronization
import Testing

@testable import HTTPServerEngine

/// What RFC 9112 makes a server refuse, and the engine's own limits, over real sockets: each case here was once
/// accepted (issue #13's probe).
@Suite("HTTP/1.1 engine refuses what RFC 9112 refuses") struct HTTP1ConformanceTests {
    /// Sends `request` on a fresh connection; the answer and whether the server then closed.
    static func exchange(
        _ request: String,
        _ configure: (inout HTTP1Server.Configuration) -> Void = { _ in }
    ) async throws -> (RawSocket.Response, Bool) {
        let harness = try await EngineHarness.start(configure)
        return try await harness.withConnection { socket in
            socket.send(request)
            return (try socket.readResponse(), socket.waitForClose())
        }
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n",
    ])
    func aMissingDoubledOrInvalidHostIs400(request: String) async throws {
        let (response, closed) = try await Self.exchange(request)
        #expect(response.status == 400, "\(response.text)")
        #expect(response.json?["detail"] as? String ?? "" != "")
        #expect(closed)
    }

    @Test func validHostsAndAnHTTP10RequestWithoutOneAreServed() async throws {
        let harness = try await EngineHarness.start()
        let statuses = try await harness.withConnection { socket -> [Int] in
            var statuses: [Int] = []
            for host in ["api.example.edu", "api.example.edu:8080", "[2001:db8::1]:443", "10.0.0.1", ""] {
                socket.send("GET /h HTTP/1.1\r\nHost: \(host)\r\n\r\n")
                statuses.append(try socket.readResponse().status)
            }
            socket.send("GET /h HTTP/1.0\r\n\r\n")
            statuses.append(try socket.readResponse().status)
            return statuses
        }
        #expect(statuses == [200, 200, 200, 200, 200, 200])
    }

    @Test func anHTTP10ChunkedRequestIsAnsweredThenTheConnectionCloses() async throws {
        let harness = try await EngineHarness.start()
        let (first, closed) = try await harness.withConnection { socket in
            // Given an HTTP/1.0 request with Transfer-Encoding asking to keep the connection, and a second request
            socket.send(
                """
                POST /first HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n5\r\nhello\r\n\
                0\r\n\r\nGET /second HTTP/1.0\r\nConnection: keep-alive\r\n\r\n
                """
            )
            // Then the first is answered, and the server closes instead of reading the second
            return (try socket.readResponse(), socket.waitForClose())
        }
        #expect(first.status == 200 && first.echoed?.body == "hello")
        #expect(first.headers["connection"] == "close")
        #expect(closed)
    }

    @Test(arguments: [
        "5 junk\r\nhello\r\n0\r\n\r\n",
        "5;ext=\"a\rb\"\r\nhello\r\n0\r\n\r\n",
        "5;ext=a\rb\r\nhello\r\n0\r\n\r\n",
        "5 \r\nhello\r\n0\r\n\r\n",
        "5;\r\nhello\r\n0\r\n\r\n",
        "0\r\nBad trailer\r\n\r\n",
    ])
    func chunkLinesOutsideTheGrammarAre400(body: String) async throws {
        let (response, closed) = try await Self.exchange(
            "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + body
        )
        #expect(response.status == 400, "\(response.text)")
        #expect(closed)
    }

    @Test func aCompleteChunkLineOverTheLimitIs400() async throws {
        // A 20 KB extension line arriving whole (the limit was only checked on lines still incomplete)
        let line = "5;x=" + String(repeating: "a", count: 20_000) + "\r\nhello\r\n0\r\n\r\n"
        let (response, closed) = try await Self.exchange(
            "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + line
        )
        #expect(response.status == 400, "\(response.text)")
        #expect(closed)
    }

    @Test func chunkExtensionsCountAgainstALimitForTheWholeBody() async throws {
        // 40 chunks of one byte, each with a 1 KB extension: each line is short, together they are 40 KB
        let chunk = "1;x=" + String(repeating: "e", count: 1_000) + "\r\na\r\n"
        let body = String(repeating: chunk, count: 40) + "0\r\n\r\n"
        let (response, _) = try await Self.exchange(
            "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + body
        )
        #expect(response.status == 400, "\(response.text)")
        #expect((response.json?["detail"] as? String ?? "").contains("extensions"))
    }

    @Test func aHeadOverTheLimitIs431EvenWhenItArrivesInOneRead() async throws {
        // The receive buffer starts at 4 KiB, larger than this head limit: a 3 KB head fits one read. (With the
        // default limit the same happened once a long chunk line had grown the buffer: a 30 KB head was served on
        // that connection and refused on a fresh one.)
        let harness = try await EngineHarness.start { $0.maxHeadBytes = 1_024 }
        let (small, large, closed) = try await harness.withConnection { socket in
            socket.send(HTTP1EngineTests.get("/small"))
            let small = try socket.readResponse()
            socket.send(HTTP1EngineTests.get("/large", "X-Big: " + String(repeating: "b", count: 3_000) + "\r\n"))
            return (small, try socket.readResponse(), socket.waitForClose())
        }
        #expect(small.status == 200)
        #expect(large.status == 431)
        #expect(closed)
    }

    @Test(arguments: ["get", "delete", "Get", "FOO"])
    func methodsAreCaseSensitiveAndUnknownOnesAre501(method: String) async throws {
        let handled = Mutex(0)
        let harness = try await EngineHarness.start(handler: { request in
            handled.withLock { $0 += 1 }
            return await EngineHarness.echo(request)
        })
        let (response, closed) = try await harness.withConnection { socket in
            socket.send("\(method) /v1/lectures/x HTTP/1.1\r\nHost: t\r\n\r\n")
            return (try socket.readResponse(), socket.waitForClose())
        }
        #expect(response.status == 501, "\(response.text)")
        #expect(response.json?["type"] as? String == "https://lectern.dev/problems/method-not-implemented")
        #expect(closed)
        #expect(handled.withLock { $0 } == 0, "the application never saw it")
    }

    /// QUERY (the HTTP working group's safe method with a body) is a method clients send today; it is recognised, so
    /// the application answers it (405 with Allow where no route has it) instead of the engine calling it unknown.
    @Test func aRegisteredMethodWithoutARouteReachesTheApplication() async throws {
        let harness = try await EngineHarness.start()
        let response = try await harness.withConnection { socket in
            socket.send("QUERY /v1/lectures/x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
            return try socket.readResponse()
        }
        #expect(response.status == 200, "\(response.text)")
        #expect(response.echoed?.method == "QUERY")
    }

    @Test func aMethodReachesTheApplicationAsSent() {
        #expect(APIRequest(method: "get", path: "/").method == "get")
        #expect(APIRequest(method: "PATCH", path: "/").method == "PATCH")
    }

    @Test(arguments: [
        "GET / HTTP/1.1\nHost: t\n\n", "GET / HTTP/1.1\r\nHost: t\n\r\n", "GET / HTTP/1.1\r\nHost: t\r\nX: 1\n",
    ])
    func aBareLFHeadIs400AtOnce(request: String) async throws {
        // The head timeout (10 s by default) is longer than this test's 10 s receive timeout: an answer only after
        // the timeout is no answer here.
        let (response, closed) = try await Self.exchange(request) { $0.headTimeout = .seconds(60) }
        #expect(response.status == 400, "\(response.text)")
        #expect(closed)
    }

    @Test func theNumberOfHeaderFieldsIsLimited() async throws {
        let harness = try await EngineHarness.start()
        let fields = Self.fields
        let (atLimit, distinct) = try await harness.withConnection { socket in
            // Host plus 99 others: 100, the limit
            socket.send(HTTP1EngineTests.get("/ok", fields(99) { "X-F\($0)" }))
            let atLimit = try socket.readResponse()
            socket.send(HTTP1EngineTests.get("/distinct", fields(1_400) { "F\($0)" }))
            return (atLimit, try socket.readResponse())
        }
        #expect(atLimit.status == 200)
        #expect(distinct.status == 431, "\(distinct.text)")
        // Duplicates count one by one, though they are joined into one value
        let (duplicates, _) = try await Self.exchange(HTTP1EngineTests.get("/dup", fields(2_500) { _ in "D" }))
        #expect(duplicates.status == 431, "\(duplicates.text)")
    }

    static func fields(_ count: Int, _ name: (Int) -> String) -> String {
        (0..<count).map { "\(name($0)): v\r\n" }.joined()
    }

    // MARK: Engine limits

    @Test func theApplicationSeesThePeersAddress() async throws {
        let harness = try await EngineHarness.start()
        let echoed = try await harness.withConnection { socket in
            socket.send(HTTP1EngineTests.get("/who"))
            return try socket.readResponse().echoed
        }
        #expect(echoed?.clientAddress == "127.0.0.1")
    }

    /// Opens `count` connections on one thread and has each served once, so the server has registered them all.
    static func openServed(_ count: Int, port: UInt16) async throws -> [RawSocket] {
        try await RawSocket.onThread {
            try (0..<count).map { index in
                let socket = try RawSocket(port: port)
                socket.send(HTTP1EngineTests.get("/held/\(index)"))
                guard try socket.readResponse().status == 200 else {
                    throw RawSocket.Failure(description: "not served")
                }
                return socket
            }
        }
    }

    @Test func connectionsBeyondTheCapGetA503AndAreClosed() async throws {
        let harness = try await EngineHarness.start { $0.maxConnections = 3 }
        let held = try await Self.openServed(3, port: harness.port)
        let port = harness.port
        let (response, closed) = try await RawSocket.onThread { () throws -> (RawSocket.Response, Bool) in
            let socket = try RawSocket(port: port)
            return (try socket.readResponse(), socket.waitForClose())
        }
        #expect(response.status == 503 && response.headers["connection"] == "close")
        #expect(response.json?["type"] as? String == "https://lectern.dev/problems/overloaded")
        #expect(closed)
        #expect(harness.server.refusedConnections.serverFull == 1)
        // Once one closes, a new connection is served again
        held[0].send(HTTP1EngineTests.get("/bye", "Connection: close\r\n"))
        _ = try await RawSocket.onThread { try held[0].readResponse() }
        try await Self.eventually { harness.server.openConnections < 3 }
        let after = try await Self.openServed(1, port: port)
        #expect(after.count == 1)
        await harness.stop()
        withExtendedLifetime(held) {}
    }

    @Test func oneClientAddressMayHoldOnlyItsShare() async throws {
        let counted = Mutex(0)
        let harness = try await EngineHarness.start {
            $0.maxConnectionsPerClient = 2
            $0.onConnectionRefused = { reason in if reason == "client-full" { counted.withLock { $0 += 1 } } }
        }
        let held = try await Self.openServed(2, port: harness.port)
        let port = harness.port
        let response = try await RawSocket.onThread { try RawSocket(port: port).readResponse() }
        #expect(response.status == 503)
        #expect(harness.server.refusedConnections.clientFull == 1)
        #expect(counted.withLock { $0 } == 1)
        await harness.stop()
        withExtendedLifetime(held) {}
    }

    @Test func refusalWarningsAreAtMostOnePerInterval() {
        var log = RefusalLog(interval: .seconds(10))
        let start = ContinuousClock.now
        #expect(log.note(.serverFull, now: start)?.count == 1)
        for second in 1..<10 { #expect(log.note(.serverFull, now: start + .seconds(second)) == nil) }
        // The next warning carries every refusal since the last one
        #expect(log.note(.clientFull, now: start + .seconds(10))?.count == 10)
    }

    @Test func aHandlerPastItsTimeoutGetsA503AndTheConnectionCloses() async throws {
        let harness = try await EngineHarness.start(
            { $0.handlerTimeout = .milliseconds(300) },
            handler: { _ in
                try? await Task.sleep(for: .seconds(2))
                return .text("too late")
            }
        )
        let (response, closed) = try await harness.withConnection { socket in
            socket.send(HTTP1EngineTests.get("/slow"))
            return (try socket.readResponse(), socket.waitForClose())
        }
        #expect(response.status == 503, "\(response.text)")
        #expect(response.json?["type"] as? String == "https://lectern.dev/problems/handler-timeout")
        #expect(response.headers["connection"] == "close")
        #expect(closed)
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ",
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly a few",
    ])
    func aRequestBegunButNotFinishedInTimeGetsA408(request: String) async throws {
        let (response, closed) = try await Self.exchange(request) {
            $0.headTimeout = .milliseconds(200)
            $0.bodyTimeout = .milliseconds(200)
        }
        #expect(response.status == 408, "\(response.text)")
        #expect(response.headers["connection"] == "close")
        #expect(closed)
    }

    /// The process's virtual size (`/proc/self/statm`), which counts memory allocated but never touched as well.
    static func virtualBytes() -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "0"
        return (Int(text.split(separator: " ")[0]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    @Test func aDeclaredContentLengthIsNotAllocatedBeforeItsBytesArrive() async throws {
        let harness = try await EngineHarness.start { $0.maxBodyBytes = 32 << 20 }
        let port = harness.port
        let growth = try await RawSocket.onThread { () throws -> Int in
            // Given sixteen connections, each served once (threads and buffers exist before measuring)
            let sockets = try (0..<16).map { _ in try RawSocket(port: port) }
            for socket in sockets {
                socket.send(HTTP1EngineTests.get("/warm"))
                _ = try socket.readResponse()
            }
            let before = Self.virtualBytes()
            // When each announces a 32 MiB body (512 MiB in all) and sends ten bytes of it
            for socket in sockets {
                socket.send("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: \(32 << 20)\r\n\r\n0123456789")
            }
            usleep(500_000)
            let after = Self.virtualBytes()
            withExtendedLifetime(sockets) {}
            return after - before
        }
        await harness.stop()
        // Then the server holds what arrived and a read's worth ahead, not 16 × 32 MiB. (The margin is for malloc:
        // a thread's first allocation may reserve a 64 MiB arena.)
        #expect(growth < 192 << 20, "the process grew by \(growth >> 20) MiB")
    }

    static func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }
}
