import Foundation
import LecternTestSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP server that answers every request the same wrong way, to see what the S3 client makes of it.
/// Plain POSIX sockets on a thread: the point is byte-level control a real HTTP server would not give.
final class S3MisbehavingServer: Sendable {
    enum Behaviour: Sendable {
        /// 200 with this body (Content-Length correct).
        case answer200(String)
        /// Promises `promised` bytes of body, sends `sent`, closes.
        case truncated(promised: Int, sent: Int)
        /// Reads the request, then resets the connection (SO_LINGER 0).
        case reset
        /// 503 SlowDown, every time.
        case slowDown
        /// Reads the request and never answers.
        case hang
    }

    let port: Int
    private let listener: Int32
    private let behaviour: Behaviour
    private let accepted = Mutex(0)
    private let open = Mutex<[Int32]>([])
    private let stopped = Mutex(false)

    var connectionCount: Int { accepted.withLock { $0 } }
    var endpoint: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let (fd, boundPort) = try LoopbackPort.bound()
        guard listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        listener = fd
        port = Int(boundPort)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Closes the listener and every connection still open (a hanging one included).
    func stop() {
        stopped.withLock { $0 = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in open.withLock({ fds in
            defer { fds = [] }
            return fds
        }) {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }

    private func acceptLoop() {
        while !stopped.withLock({ $0 }) {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            accepted.withLock { $0 += 1 }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        // Read the head and any Content-Length body, so the client is not refused mid-send.
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var needed: Int?
        while true {
            let count = read(fd, &chunk, chunk.count)
            if count <= 0 {
                close(fd)
                return
            }
            buffer += chunk[0..<count]
            if needed == nil, let end = Self.headEnd(buffer) {
                let head = String(decoding: buffer[0..<end], as: UTF8.self).lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                needed = end + 4 + length
            }
            if let needed, buffer.count >= needed { break }
        }
        switch behaviour {
        case .answer200(let body):
            send(
                fd,
                """
                HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: \(body.utf8.count)\r\n\
                Connection: close\r\n\r\n\(body)
                """
            )
            close(fd)
        case .truncated(let promised, let sent):
            send(
                fd,
                "HTTP/1.1 200 OK\r\nContent-Length: \(promised)\r\nConnection: close\r\n\r\n"
                    + String(repeating: "x", count: sent)
            )
            close(fd)
        case .reset:
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            close(fd)
        case .slowDown:
            let body =
                """
                <Error><Code>SlowDown</Code><Message>Please reduce your request \
                rate.</Message><RequestId>STORM</RequestId></Error>
                """
            send(
                fd,
                """
                HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: \(body.utf8.count)\r\n\
                Connection: close\r\n\r\n\(body)
                """
            )
            close(fd)
        case .hang:
            open.withLock { $0.append(fd) }  // closed by stop()
        }
    }

    private func send(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
