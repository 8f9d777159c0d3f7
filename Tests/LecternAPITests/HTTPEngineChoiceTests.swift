import Foundation
@testable import LecternAPI
import Logging
import ServiceLifecycle
import Testing

/// `APIServer` runs our engine by default and FlyingFox's when configured to; both serve the same application.
@Suite("APIServer's HTTP engine") struct HTTPEngineChoiceTests {
    let minimal = ["LECTERN_LECTURES_TABLE": "lectures", "LECTERN_BUCKET": "media", "LECTERN_QUEUE_URL": "jobs",
                   "LECTERN_JWT_SECRET": "0123456789abcdef0123456789abcdef"]

    @Test func theEngineIsChosenByLECTERN_HTTP_ENGINE() throws {
        #expect(try APIConfig.fromEnvironment(minimal).httpEngine == .lectern)
        var environment = minimal
        environment["LECTERN_HTTP_ENGINE"] = "FlyingFox"
        #expect(try APIConfig.fromEnvironment(environment).httpEngine == .flyingFox)
        environment["LECTERN_HTTP_ENGINE"] = "nginx"
        #expect { try APIConfig.fromEnvironment(environment) } throws: { error in
            (error as? APIConfigError)?.problems == ["LECTERN_HTTP_ENGINE=nginx must be lectern or flyingfox"]
        }
    }

    @Test func theStockFlyingFoxEngineStillServesTheAPI() async throws {
        let world = try await TestWorld.make { $0.httpEngine = .flyingFox; $0.maxBodyBytes = 2_048 }
        let server = try APIServer(application: world.app, host: "127.0.0.1", port: 0)
        guard case .flyingFox = server.engine else { Issue.record("expected FlyingFox"); return }
        let token = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(.live) { client in
            let health = try await client.call("GET", "/healthz")
            #expect(health.status == 200 && health.text == #"{"status":"ok"}"#)
            let tooLarge = try await client.call("POST", "/v1/lectures", token: token, body: Data(count: 4_096))
            #expect(tooLarge.status == 413)
        }
    }

    @Test func aGracefulShutdownWithAnIdleKeepAliveConnectionEndsTheServiceQuickly() async throws {
        let world = try await TestWorld.make()
        let server = try APIServer(application: world.app, host: "127.0.0.1", port: 0)
        guard case .lectern = server.engine else { Issue.record("expected our engine"); return }
        let group = ServiceGroup(configuration: .init(services: [server], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        try await server.waitUntilListening(timeout: 30)
        let port = try #require(await server.port)
        // Given an idle keep-alive connection
        let socket = try await RawSocket.onThread { () throws -> RawSocket in
            let socket = try RawSocket(port: port)
            socket.send("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            _ = try socket.readResponse()
            return socket
        }
        // When SIGTERM's graceful shutdown begins
        let started = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        let took = ContinuousClock.now - started
        // Then the service ended without waiting out the 10 s grace period that is there for requests in flight
        #expect(took < APIServer.shutdownGrace, "shutdown took \(took)")
        #expect(try await RawSocket.onThread { socket.waitForClose() })
    }
}
