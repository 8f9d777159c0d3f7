import FlyingSocks
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An accepted, non-blocking TCP socket; the one owner of its file descriptor, closed in `deinit`.
///
/// Reads and writes go straight to `recv`/`send` and only park on the socket pool (epoll) when the kernel says
/// `EAGAIN`. Other tasks may `shutdown` it (timeouts, graceful stop): that wakes a parked read with end of file and
/// never races a reused descriptor, because the descriptor is closed only once nobody holds the socket.
final class ConnectionSocket: Sendable {
    let descriptor: Int32
    private let pool: any AsyncSocketPool
    /// A blocked `send`'s wait, which `shutdown` ends: a hang-up alone would not wake it (see `InterruptibleWait`).
    private let writeWait = InterruptibleWait()

    init(adopting descriptor: Int32, pool: any AsyncSocketPool) {
        self.descriptor = descriptor
        self.pool = pool
    }

    deinit { _ = Glibc.close(descriptor) }

    private var flyingSocket: Socket { Socket(file: .init(rawValue: descriptor)) }

    /// Disables Nagle: a response is one write, but a pipelined burst of small responses should not wait for ACKs.
    func disableNagle() {
        var on: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    func shutdown(reading: Bool = true, writing: Bool = true) {
        let how = reading && writing ? Int32(SHUT_RDWR) : (reading ? Int32(SHUT_RD) : Int32(SHUT_WR))
        _ = Glibc.shutdown(descriptor, how)
        writeWait.interrupt()
    }

    /// Reads whatever has arrived into `buffer`'s free space (waiting if nothing has); 0 is end of stream.
    func receive(into buffer: inout ReceiveBuffer) async throws -> Int {
        while true {
            guard buffer.makeRoom() else { return -1 }
            let count = buffer.fill { space in recv(descriptor, space.baseAddress, space.count, 0) }
            if count >= 0 { return count }
            try await waitAfterFailure(for: .read)
        }
    }

    /// Reads exactly `range.count` bytes into `data[range]`; false if the peer closed first.
    func receive(into data: inout Data, range: Range<Int>) async throws -> Bool {
        var offset = range.lowerBound
        while offset < range.upperBound {
            let start = offset
            let count = data.withUnsafeMutableBytes { bytes in
                recv(descriptor, bytes.baseAddress! + start, range.upperBound - start, 0)
            }
            if count > 0 {
                offset += count
            } else if count == 0 {
                return false
            } else {
                try await waitAfterFailure(for: .read)
            }
        }
        return true
    }

    /// Writes all of `bytes` (one `send` unless the socket buffer is full).
    func send(_ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            let start = offset
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + start, raw.count - start, Int32(MSG_NOSIGNAL))
            }
            if sent >= 0 {
                offset += sent
            } else {
                try await waitAfterFailure(for: .write)
            }
        }
    }

    /// After a -1 from the kernel: parks on the pool for `EAGAIN`, retries `EINTR`, throws anything else.
    private func waitAfterFailure(for events: Socket.Events) async throws {
        let code = errno
        switch code {
        case EAGAIN, EWOULDBLOCK:
            if events == .read {
                // A shut-down socket reports itself readable, so a parked read always wakes.
                try await pool.suspendSocket(flyingSocket, untilReadyFor: events)
            } else {
                let (pool, socket) = (pool, flyingSocket)
                try await writeWait.run { try await pool.suspendSocket(socket, untilReadyFor: events) }
            }
        case EINTR:
            return
        default:
            throw ConnectionClosed(errno: code)
        }
    }
}

/// The peer reset or the socket failed; the connection ends without an answer.
struct ConnectionClosed: Error, CustomStringConvertible {
    var errno: Int32
    var description: String { "connection failed: \(String(cString: strerror(errno)))" }
}
