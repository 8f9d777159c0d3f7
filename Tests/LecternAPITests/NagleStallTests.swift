import Foundation
import Testing

@testable import LecternAPI

#if canImport(Glibc)
import Glibc
#endif

/// FlyingFox writes a response's head and body separately; with Nagle on, the body waits for the client's delayed
/// ACK (~40 ms) on every keep-alive response after the first one or two (Linux quick-ACKs a new connection's first
/// segments). This is a lower-bound stall detector, not a speed test: with the stall, not one of those responses
/// can come back in under 40 ms, so it passes as soon as three do. Other tests loading the machine make responses
/// slow now and then, never all of them.
@Suite("TCP_NODELAY on the server's sockets") struct NagleStallTests {
    static let stall: Duration = .milliseconds(40)

    func sequentialKeepAliveDurations(disablingNagle: Bool, count: Int) async throws -> [Duration] {
        let world = try await TestWorld.make()
        let server = try APIServer(
            application: world.app,
            host: "127.0.0.1",
            port: 0,
            logger: .init(label: "test"),
            disablingNagle: disablingNagle
        )
        let running = Task { try await server.run() }
        defer { running.cancel() }
        try await server.waitUntilListening(timeout: 30)
        let port = try #require(await server.port)
        let durations = try await RawHTTPClient.onThread {
            try RawHTTPClient.timeRequests(port: port, path: "/healthz", count: count)
        }
        await server.stop()
        return durations
    }

    @Test func keepAliveResponsesDoNotWaitForDelayedACKs() async throws {
        let durations = try await sequentialKeepAliveDurations(disablingNagle: true, count: 40)
        let fast = durations.dropFirst(2).filter { $0 < Self.stall }
        #expect(
            fast.count >= 3,
            "keep-alive responses under 40 ms: \(fast.count) of \(durations.count - 2): \(durations)"
        )
    }
}

/// A blocking HTTP/1.1 client over one TCP connection, so every request reuses it (keep-alive).
enum RawHTTPClient {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Runs blocking socket work on a thread of its own, off the cooperative pool the server needs.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    static func timeRequests(port: UInt16, path: String, count: Int) throws -> [Duration] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect() failed: \(errno)") }
        // Generous: under a loaded test run a response may be slow for reasons of its own; stalls are judged above.
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n".utf8)
        var durations: [Duration] = []
        for _ in 0..<count {
            let start = ContinuousClock.now
            guard send(fd, request, request.count, 0) == request.count else {
                throw Failure(description: "send() failed")
            }
            try readResponse(fd)
            durations.append(ContinuousClock.now - start)
        }
        return durations
    }

    /// Reads one response: the head, then Content-Length bytes of body.
    private static func readResponse(_ fd: Int32) throws {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var expectedTotal: Int?
        while expectedTotal == nil || received.count < expectedTotal! {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else {
                throw Failure(description: "connection closed or timed out after \(received.count) bytes")
            }
            received += buffer[0..<n]
            if expectedTotal == nil, let end = received.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: received[..<end.lowerBound], as: UTF8.self).lowercased()
                guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                    let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
                else {
                    throw Failure(description: "response without Content-Length")
                }
                expectedTotal = end.upperBound + length
            }
        }
    }
}
