import Foundation
import LecternTestSupport
import Logging
import ServiceLifecycle
import Testing

@testable import LecternAPI

/// `APIServer` runs our engine, the only one; `LECTERN_HTTP_ENGINE` no longer chooses.
@Suite("APIServer's HTTP engine") struct HTTPEngineChoiceTests {
    let minimal = [
        "LECTERN_LECTURES_TABLE": "lectures", "LECTERN_BUCKET": "media", "LECTERN_QUEUE_URL": "jobs",
        "LECTERN_JWT_SECRET": "0123456789abcdef0123456789abcdef",
    ]

    /// FlyingFox's server is no longer an option: a deployment that still asks for it is told so at start rather
    /// than silently served by another engine; `lectern` names the one there is and is accepted.
    @Test func LECTERN_HTTP_ENGINEAcceptsOnlyTheOneEngine() throws {
        var environment = minimal
        environment["LECTERN_HTTP_ENGINE"] = "Lectern"
        _ = try APIConfig.fromEnvironment(environment)
        environment["LECTERN_HTTP_ENGINE"] = "flyingfox"
        #expect { try APIConfig.fromEnvironment(environment) } throws: { error in
            (error as? APIConfigError)?.problems
                == [
                    """
                    LECTERN_HTTP_ENGINE=flyingfox is no longer supported: \
                    the API has one HTTP engine; remove the setting
                    """
                ]
        }
    }

    @Test func aGracefulShutdownWithAnIdleKeepAliveConnectionEndsTheServiceQuickly() async throws {
        let world = try await TestWorld.make()
        let server = try APIServer(application: world.app, host: "127.0.0.1", port: 0)
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
