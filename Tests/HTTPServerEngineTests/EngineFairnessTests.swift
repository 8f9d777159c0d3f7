import Foundation
import LecternTestSupport
import Synchronization
import Testing

@testable import HTTPServerEngine

#if canImport(Glibc)
import Glibc
#endif

/// Guards the engine's yield between requests on one connection. A connection whose next request is already
/// buffered never has to suspend; without the yield its task keeps a thread of the (core-sized) cooperative pool
/// until its pipeline is empty, and every other connection waits — under load that showed as a p99 of 100–700 ms
/// while p50 stayed at 3 ms. Ordering, not time, is asserted: the application logs the order it handles requests in.
@Suite("HTTP/1.1 engine fairness") struct EngineFairnessTests {
    /// The order in which the application saw requests, by path.
    final class HandledLog: Sendable {
        private let paths = Mutex<[String]>([])
        func append(_ path: String) { paths.withLock { $0.append(path) } }
        var snapshot: [String] { paths.withLock { $0 } }
        var count: Int { paths.withLock { $0.count } }
    }

    @Test func aConnectionWithAFullPipelineDoesNotStarveANewOne() async throws {
        // More busy connections than the pool has threads, so that without yielding they would hold every thread.
        let busyConnections = ProcessInfo.processInfo.activeProcessorCount + 1
        let pipelined = 4_000
        let log = HandledLog()
        let harness = try await EngineHarness.start(handler: { request in
            log.append(request.path)
            // A little work per request (~20 µs), so each pipeline takes a while to drain.
            let started = ContinuousClock.now
            while ContinuousClock.now - started < .microseconds(20) {}
            return .text("ok")
        })
        let port = harness.port

        // Given busy clients, each writing thousands of pipelined requests at once and reading every answer
        // (on threads of their own: they must not need the pool the server runs on to take their answers)
        let busy = (0..<busyConnections).map { client in
            Task {
                try await RawSocket.onThread {
                    let socket = try RawSocket(port: port, receiveTimeout: 60)
                    let requests = (0..<pipelined).map { "GET /busy/\(client)/\($0) HTTP/1.1\r\nHost: test\r\n\r\n" }
                        .joined()
                    // Written from another thread so reading starts at once: the answers must never fill the buffers.
                    Thread { socket.send(requests) }.start()
                    for index in 0..<pipelined {
                        let response = try socket.readResponse()
                        guard response.status == 200 else {
                            throw RawSocket.Failure(description: "busy \(client) request \(index): \(response.status)")
                        }
                    }
                }
            }
        }
        // When every busy connection is being served
        let deadline = ContinuousClock.now + .seconds(30)
        while (0..<busyConnections).contains(where: { client in
            !log.snapshot.contains { $0.hasPrefix("/busy/\(client)/") }
        }),
            ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(1))
        }
        // Then a new connection's single request
        let probe = try await RawSocket.onThread {
            let socket = try RawSocket(port: port, receiveTimeout: 60)
            socket.send("GET /probe HTTP/1.1\r\nHost: test\r\n\r\n")
            return try socket.readResponse().status
        }
        for client in busy { try await client.value }
        await harness.stop()

        // is handled while every busy connection still has requests left, not after one of them ran dry
        #expect(probe == 200)
        let handled = log.snapshot
        #expect(handled.count == busyConnections * pipelined + 1)
        let probeIndex = try #require(handled.firstIndex(of: "/probe"))
        let firstDrained = (0..<busyConnections).compactMap { client in
            handled.lastIndex(of: "/busy/\(client)/\(pipelined - 1)")
        }.min()
        let drainedIndex = try #require(firstDrained)
        #expect(
            probeIndex < drainedIndex,
            """
            the new connection waited until a busy one had drained its pipeline (probe at \(probeIndex), \
            first drain at \(drainedIndex))
            """
        )
    }
}

/// The engine's connections run on its event loops: a request is handled on the thread that watches its socket.
@Suite("HTTP/1.1 engine event loops") struct EngineEventLoopTests {
    @Test func everyRequestRunsOnTheServersOneLoopThread() async throws {
        let threads = Mutex<Set<UInt>>([])
        // Given a server with one event loop
        let harness = try await EngineHarness.start(
            { $0.eventLoops = 1 },
            handler: { _ in
                threads.withLock { _ = $0.insert(UInt(pthread_self())) }
                await Task.yield()
                threads.withLock { _ = $0.insert(UInt(pthread_self())) }
                return .text("ok")
            }
        )
        let port = harness.port
        // When several connections send many requests at once (the cooperative pool has a thread per core and
        // would spread them over all of its threads)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<4 {
                group.addTask {
                    try await RawSocket.onThread {
                        let socket = try RawSocket(port: port)
                        for index in 0..<100 {
                            socket.send("GET /c/\(client)/\(index) HTTP/1.1\r\nHost: test\r\n\r\n")
                            guard try socket.readResponse().status == 200 else {
                                throw RawSocket.Failure(description: "not 200")
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        await harness.stop()
        // Then every request, before and after it suspended, ran on one thread: the loop's
        #expect(threads.withLock { $0.count } == 1)
    }
}
