import Foundation
import Logging
import Testing

@testable import LecternAPI

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client that writes exactly the bytes a test gives it and parses what comes back, so tests can
/// send what curl never would: pipelined requests, garbage, half a head, a body that never ends.
/// Use it only inside `onThread` (blocking calls must stay off the cooperative pool the server runs on).
final class RawSocket: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    struct Response {
        var status: Int
        /// Names lower-cased.
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    let descriptor: Int32
    private var pending: [UInt8] = []

    init(port: UInt16, receiveTimeout: Int = 10) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        // No close here: once every property is set, a throwing init still runs deinit, which closes it. Closing
        // twice closed whatever had reused the number meanwhile (another test's epoll descriptor).
        guard connected == 0 else { throw Failure(description: "connect() failed: \(errno)") }
        var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    /// Whether every byte went out (false once the server has closed or reset the connection).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads one response (an interim 1xx too): the head, then Content-Length bytes of body.
    func readResponse() throws -> Response {
        while true {
            if let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                var lines = head.components(separatedBy: "\r\n")
                let statusLine = lines.removeFirst().split(separator: " ")
                guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
                    throw Failure(description: "bad status line in \(head)")
                }
                var headers: [String: String] = [:]
                for line in lines {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    headers[parts[0].lowercased()] =
                        parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
                }
                let length = Int(headers["content-length"] ?? "0") ?? 0
                let total = end.upperBound + length
                try fill(atLeast: total)
                let body = Data(pending[end.upperBound..<total])
                pending.removeFirst(total)
                return Response(status: status, headers: headers, body: body)
            }
            try fill(atLeast: pending.count + 1)
        }
    }

    /// True if the server closes (or resets) the connection before the receive timeout; bytes still arriving are
    /// dropped.
    func waitForClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    private func fill(atLeast count: Int) throws {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while pending.count < count {
            let received = recv(descriptor, &buffer, buffer.count, 0)
            guard received > 0 else {
                throw Failure(
                    description: received == 0
                        ? "connection closed after \(pending.count) bytes" : "recv failed: errno \(errno)"
                )
            }
            pending += buffer[0..<received]
        }
    }

    /// Runs blocking socket work on a thread of its own.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}

/// What the echo handler saw, as JSON: tests compare what they sent with what the application received.
struct EchoedRequest: Codable {
    var method: String
    var path: String
    var query: [String: String]
    var headers: [String: String]
    var body: String
    var clientAddress: String?
}

/// An `HTTP1Server` on a free loopback port with a handler of the test's choosing (the echo by default).
struct EngineHarness {
    let server: HTTP1Server
    let port: UInt16
    let running: Task<Void, any Error>

    static let echo: HTTP1Server.Handler = { request in
        .json(
            EchoedRequest(
                method: request.method,
                path: request.path,
                query: request.query,
                headers: request.headers,
                body: String(decoding: request.body, as: UTF8.self),
                clientAddress: request.clientAddress
            )
        )
    }

    static func start(
        _ configure: (inout HTTP1Server.Configuration) -> Void = { _ in },
        handler: @escaping HTTP1Server.Handler = echo
    ) async throws -> EngineHarness {
        var configuration = HTTP1Server.Configuration()
        configure(&configuration)
        let server = HTTP1Server(
            host: "127.0.0.1",
            port: 0,
            configuration: configuration,
            logger: Logger(label: "test"),
            handler: handler
        )
        let running = Task { try await server.run() }
        try await server.waitUntilListening(timeout: .seconds(30))
        return EngineHarness(server: server, port: try #require(server.port), running: running)
    }

    func stop() async {
        await server.stop(timeout: .seconds(5))
        running.cancel()
    }

    /// Runs `body` on a thread with a fresh connection, then stops the server.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (RawSocket) throws -> T) async throws -> T {
        let port = port
        do {
            let result = try await RawSocket.onThread { try body(RawSocket(port: port)) }
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}

extension RawSocket.Response {
    var echoed: EchoedRequest? { try? JSONDecoder().decode(EchoedRequest.self, from: body) }
}
