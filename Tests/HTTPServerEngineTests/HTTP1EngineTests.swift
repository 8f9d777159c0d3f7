import Foundation
import LecternTestSupport
import Synchronization
import Testing

@testable import HTTPServerEngine

/// The HTTP/1.1 engine over real loopback sockets, with raw bytes: persistence, pipelining, bodies, limits,
/// timeouts and stopping. The handler echoes what the application would have received.
@Suite("HTTP/1.1 engine on a live socket") struct HTTP1EngineTests {
    static func get(_ path: String, _ extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: test\r\n\(extra)\r\n"
    }

    @Test func keepAliveServesManyRequestsOnOneConnection() async throws {
        let harness = try await EngineHarness.start()
        let paths = try await harness.withConnection { socket in
            try (0..<50).map { index in
                socket.send(Self.get("/r/\(index)"))
                let response = try socket.readResponse()
                guard response.status == 200, response.headers["connection"] == nil else {
                    throw RawSocket.Failure(description: "request \(index): \(response.status) \(response.headers)")
                }
                return response.echoed?.path ?? ""
            }
        }
        #expect(paths == (0..<50).map { "/r/\($0)" })
    }

    @Test func pipelinedRequestsInOneWriteAreAnsweredInOrder() async throws {
        let harness = try await EngineHarness.start()
        let echoed = try await harness.withConnection { socket in
            // Given three requests, the second with a body, written at once
            socket.send(
                Self.get("/first") + "POST /second HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello"
                    + Self.get("/third")
            )
            // Then three answers come back, in order
            return try (0..<3).map { _ in try socket.readResponse().echoed }
        }
        #expect(echoed.map { $0?.path } == ["/first", "/second", "/third"])
        #expect(echoed.map { $0?.method } == ["GET", "POST", "GET"])
        #expect(echoed[1]?.body == "hello")
    }

    @Test func http10ClosesUnlessAskedToKeepAlive() async throws {
        let harness = try await EngineHarness.start()
        let (kept, plain, plainClosed) = try await harness.withConnection { socket in
            socket.send("GET /kept HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
            let kept = try socket.readResponse()
            // Only answered if the first request left the connection open
            socket.send("GET /plain HTTP/1.0\r\n\r\n")
            let plain = try socket.readResponse()
            return (kept, plain, socket.waitForClose())
        }
        #expect(kept.status == 200 && kept.headers["connection"] == "keep-alive")
        #expect(plain.status == 200 && plain.echoed?.path == "/plain" && plain.headers["connection"] == "close")
        #expect(plainClosed)
    }

    @Test func connectionCloseIsHonoured() async throws {
        let harness = try await EngineHarness.start()
        let (response, closed) = try await harness.withConnection { socket in
            socket.send(Self.get("/bye", "Connection: close\r\n"))
            return (try socket.readResponse(), socket.waitForClose())
        }
        #expect(response.status == 200 && response.headers["connection"] == "close")
        #expect(closed)
    }

    @Test func aBodyLargerThanTheReceiveBufferIsReadExactly() async throws {
        let harness = try await EngineHarness.start()
        let body = String(repeating: "0123456789", count: 20_000)
        let (big, next) = try await harness.withConnection { socket in
            // Given a 200 kB body and the next request in the same stream
            socket.send(
                "POST /big HTTP/1.1\r\nHost: test\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
                    + Self.get("/next")
            )
            return (try socket.readResponse().echoed, try socket.readResponse().echoed)
        }
        // Then the body read straight from the socket stopped at its end, and the next request parsed
        #expect(big?.body == body)
        #expect(next?.path == "/next")
    }

    @Test func chunkedBodiesAreDecodedAcrossWrites() async throws {
        let harness = try await EngineHarness.start()
        let response = try await harness.withConnection { socket in
            socket.send("POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")
            // Pieces split inside size lines, data and CRLFs, with an extension and a trailer.
            for piece in [
                "5\r", "\nhel", "lo\r\n", "1;name=value\r\n,\r\n6\r\n wor", "ld\r\n0\r\nX-Checksum: 1\r\n", "\r\n",
            ] {
                socket.send(piece)
                usleep(5_000)
            }
            let first = try socket.readResponse()
            // The connection is still in step: a second request works.
            socket.send(Self.get("/after"))
            return (first, try socket.readResponse())
        }
        #expect(response.0.echoed?.body == "hello, world")
        #expect(response.1.echoed?.path == "/after")
    }

    @Test func chunkedBodiesOverTheLimitAre413() async throws {
        let harness = try await EngineHarness.start { $0.maxBodyBytes = 1_024 }
        let response = try await harness.withConnection { socket in
            socket.send(
                "POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n"
                    + String(repeating: "a", count: 1_024) + "\r\n1\r\n"
            )
            return try socket.readResponse()
        }
        #expect(response.status == 413)
        #expect(response.headers["content-type"] == "application/problem+json")
    }

    @Test func expectContinueGetsAnInterimAnswerBeforeTheBody() async throws {
        let harness = try await EngineHarness.start()
        let (interim, final) = try await harness.withConnection { socket in
            socket.send("PUT /thing HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            let interim = try socket.readResponse()
            socket.send("data")
            return (interim, try socket.readResponse())
        }
        #expect(interim.status == 100)
        #expect(final.status == 200 && final.echoed?.body == "data")
    }

    @Test func expectContinueWithATooLargeBodyIsRefusedAtOnce() async throws {
        let harness = try await EngineHarness.start { $0.maxBodyBytes = 1_024 }
        let (response, closed) = try await harness.withConnection { socket in
            socket.send("PUT /thing HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
            return (try socket.readResponse(), socket.waitForClose())
        }
        #expect(response.status == 413)
        #expect(response.json?["detail"] as? String == "request bodies are limited to 1024 bytes")
        #expect(closed)
    }

    @Test func oversizedHeadsAre431() async throws {
        let harness = try await EngineHarness.start { $0.maxHeadBytes = 4_096 }
        let (response, closed) = try await harness.withConnection { socket in
            socket.send("GET / HTTP/1.1\r\nHost: test\r\nX-Big: " + String(repeating: "b", count: 8_000) + "\r\n\r\n")
            return (try socket.readResponse(), socket.waitForClose())
        }
        #expect(response.status == 431)
        #expect(response.headers["content-type"] == "application/problem+json")
        #expect(response.json?["type"] as? String == "https://lectern.dev/problems/header-too-large")
        #expect(closed)
    }

    @Test func aHugeBodyIsRefusedBeforeTheClientFinishesSendingIt() async throws {
        let handled = Mutex(0)
        let harness = try await EngineHarness.start({ $0.maxBodyBytes = 1 << 20 }) { request in
            handled.withLock { $0 += 1 }
            return await EngineHarness.echo(request)
        }
        let (response, closed) = try await harness.withConnection { socket in
            // Given a request announcing 100 MB, of which only the head and 64 KiB are ever sent
            socket.send("POST /v1/lectures HTTP/1.1\r\nHost: test\r\nContent-Length: 100000000\r\n\r\n")
            socket.send([UInt8](repeating: 0x61, count: 64 * 1024))
            // Then the answer arrives anyway, and the server closes the connection
            return (try socket.readResponse(), socket.waitForClose())
        }
        #expect(response.status == 413)
        #expect(response.headers["connection"] == "close")
        #expect(response.json?["instance"] as? String == "/v1/lectures")
        #expect(closed)
        #expect(handled.withLock { $0 } == 0, "the application never saw the request")
    }

    @Test(arguments: [
        "HELLO\r\n\r\n",
        "GET /\r\n\r\n",
        "GET / HTTP/1.1 extra\r\nHost: t\r\n\r\n",
        "GET noslash HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: t\r\nNo colon here\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: t\r\nSpace before : colon\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: t\r\nX-A: bell\u{07}\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: ten\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET / HTTP/1.1\nHost: bare-lf\n\n\r\n\r\n",
    ])
    func malformedRequestsAre400AndClose(request: String) async throws {
        let harness = try await EngineHarness.start()
        let (response, closed) = try await harness.withConnection { socket in
            socket.send(request)
            return (try socket.readResponse(), socket.waitForClose())
        }
        #expect(response.status == 400, "\(response.text)")
        #expect(response.headers["content-type"] == "application/problem+json")
        #expect(response.json?["status"] as? Int == 400)
        #expect(closed)
    }

    @Test(arguments: [
        ("GET / HTTP/2.0\r\n\r\n", 505),
        ("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("GET / HTTP/1.1\r\nHost: t\r\nExpect: the-unexpected\r\n\r\n", 417),
    ])
    func unsupportedFeaturesSaySo(request: String, status: Int) async throws {
        let harness = try await EngineHarness.start()
        let response = try await harness.withConnection { socket in
            socket.send(request)
            return try socket.readResponse()
        }
        #expect(response.status == status, "\(response.text)")
        #expect(response.headers["content-type"] == "application/problem+json")
    }

    @Test func headersPathAndQueryReachTheApplicationAsTheRouterExpects() async throws {
        let harness = try await EngineHarness.start()
        let echoed = try await harness.withConnection { socket in
            socket.send(
                "\r\nGET /v1/./courses/../lectures/caf%C3%A9?access_token=a%2Bb&x=1&x=2&flag HTTP/1.1\r\n"
                    + "HOST: test\r\nAUTHORIZATION:   Bearer abc  \r\nAccept: a\r\naccept: b\r\n\r\n"
            )
            return try socket.readResponse().echoed
        }
        #expect(echoed?.method == "GET")
        #expect(echoed?.path == "/v1/lectures/caf%C3%A9", "percent-encoded, dot segments removed")
        #expect(echoed?.query == ["access_token": "a+b", "x": "2", "flag": ""])
        #expect(echoed?.headers["authorization"] == "Bearer abc")
        #expect(echoed?.headers["accept"] == "a, b")
    }

    @Test func idleKeepAliveConnectionsAreClosedAfterTheIdleTimeout() async throws {
        let harness = try await EngineHarness.start { $0.idleTimeout = .milliseconds(200) }
        let (status, closed) = try await harness.withConnection { socket in
            socket.send(Self.get("/once"))
            return (try socket.readResponse().status, socket.waitForClose())
        }
        #expect(status == 200)
        #expect(closed, "the server closed the idle connection before the client's 10 s receive timeout")
    }

    @Test func aHeadTricklingInIsCutOffByTheHeadTimeout() async throws {
        let harness = try await EngineHarness.start { $0.headTimeout = .milliseconds(200) }
        let closed = try await harness.withConnection { socket in
            // Slowloris: half a head, then nothing more
            socket.send("GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ")
            return socket.waitForClose()
        }
        #expect(closed)
    }

    @Test func aBodyTricklingInIsCutOffByTheBodyTimeout() async throws {
        let harness = try await EngineHarness.start { $0.bodyTimeout = .milliseconds(200) }
        let closed = try await harness.withConnection { socket in
            socket.send("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\nonly a few bytes")
            return socket.waitForClose()
        }
        #expect(closed)
    }

    @Test func aClientThatDoesNotReadItsAnswerIsCutOffByTheSendTimeout() async throws {
        // Given an answer far larger than the socket buffers, and a client that never reads it
        let large = Data(count: 32 << 20)
        let harness = try await EngineHarness.start(
            { $0.sendTimeout = .milliseconds(200) },
            handler: { _ in APIResponse(status: 200, body: large) }
        )
        let port = harness.port
        let socket = try await RawSocket.onThread { () throws -> RawSocket in
            let socket = try RawSocket(port: port)
            socket.send(Self.get("/large"))
            return socket
        }
        // When the server stops with a long grace period
        let started = ContinuousClock.now
        await harness.server.stop(timeout: .seconds(30))
        let took = ContinuousClock.now - started
        harness.running.cancel()
        // Then the blocked write was ended by the send timeout, not by the end of the grace period
        #expect(took < .seconds(10), "stop took \(took)")
        withExtendedLifetime(socket) {}
    }

    @Test func stoppingClosesIdleKeepAliveConnectionsWithoutWaitingForThem() async throws {
        let harness = try await EngineHarness.start()
        let port = harness.port
        // Given an idle keep-alive connection that has been served once
        let socket = try await RawSocket.onThread { () throws -> RawSocket in
            let socket = try RawSocket(port: port)
            socket.send(Self.get("/once"))
            _ = try socket.readResponse()
            return socket
        }
        // When the server stops with a long grace period
        let started = ContinuousClock.now
        await harness.server.stop(timeout: .seconds(30))
        let took = ContinuousClock.now - started
        harness.running.cancel()
        // Then it did not wait for the idle connection (the grace period is for requests in flight) and closed it
        #expect(took < .seconds(10), "stop took \(took)")
        #expect(try await RawSocket.onThread { socket.waitForClose() })
        #expect(harness.server.port == nil)
    }

    @Test func aSlowRequestInFlightFinishesDuringStop() async throws {
        let (handlerStarted, signalStarted) = AsyncStream<Void>.makeStream()
        let harness = try await EngineHarness.start(handler: { request in
            signalStarted.yield()
            try? await Task.sleep(for: .milliseconds(300))
            return .text("finished \(request.path)")
        })
        let port = harness.port
        let client = Task {
            try await RawSocket.onThread { () throws -> (RawSocket.Response, Bool) in
                let socket = try RawSocket(port: port)
                socket.send(Self.get("/slow"))
                return (try socket.readResponse(), socket.waitForClose())
            }
        }
        // When the server stops while the handler is still working
        for await _ in handlerStarted { break }
        await harness.server.stop(timeout: .seconds(30))
        harness.running.cancel()
        // Then the request got its answer, marked as the connection's last
        let (response, closed) = try await client.value
        #expect(response.status == 200 && response.text == "finished /slow")
        #expect(response.headers["connection"] == "close")
        #expect(closed)
    }

    @Test func newConnectionsAreRefusedAfterStop() async throws {
        let harness = try await EngineHarness.start()
        let port = harness.port
        await harness.stop()
        let refused = try await RawSocket.onThread { () -> Bool in
            do {
                _ = try RawSocket(port: port)
                return false
            } catch { return true }
        }
        #expect(refused)
    }

    @Test func responsesDropApplicationFramingHeadersAndNeutraliseLineBreaks() async throws {
        let harness = try await EngineHarness.start(handler: { _ in
            APIResponse(
                status: 200,
                headers: ["Content-Length": "999", "Connection": "close", "X-Name": "a\r\nInjected: yes"],
                body: Data("ok".utf8)
            )
        })
        let (first, second) = try await harness.withConnection { socket in
            socket.send(Self.get("/a") + Self.get("/b"))
            return (try socket.readResponse(), try socket.readResponse())
        }
        #expect(first.headers["content-length"] == "2" && first.text == "ok")
        #expect(first.headers["injected"] == nil && first.headers["x-name"] == "a  Injected: yes")
        #expect(second.status == 200, "the application's Connection: close did not end the connection")
    }

    @Test func noContentAnswersCarryNoBodyOrLength() async throws {
        let harness = try await EngineHarness.start(handler: { _ in APIResponse(status: 204, body: Data("ignored".utf8))
        })
        let (first, second) = try await harness.withConnection { socket in
            socket.send(Self.get("/a") + Self.get("/b"))
            return (try socket.readResponse(), try socket.readResponse())
        }
        #expect(first.status == 204 && first.headers["content-length"] == nil && first.body.isEmpty)
        #expect(second.status == 204)
    }
}
