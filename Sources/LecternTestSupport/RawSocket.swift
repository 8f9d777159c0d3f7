import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client that writes exactly the bytes a test gives it and parses what comes back, so tests can
/// send what curl never would: pipelined requests, garbage, half a head, a body that never ends.
/// Use it only inside `onThread` (blocking calls must stay off the cooperative pool the server runs on).
public final class RawSocket: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public struct Response: Sendable {
        public var status: Int
        /// Names lower-cased.
        public var headers: [String: String]
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    public let descriptor: Int32
    private var pending: [UInt8] = []

    public init(port: UInt16, receiveTimeout: Int = 10) throws {
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
    public func send(_ bytes: [UInt8]) -> Bool {
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
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads one response (an interim 1xx too): the head, then Content-Length bytes of body.
    public func readResponse() throws -> Response {
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
    public func waitForClose() -> Bool {
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
    public static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
