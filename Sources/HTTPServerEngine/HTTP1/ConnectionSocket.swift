import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An accepted, non-blocking TCP socket; the one owner of its file descriptor, closed in `deinit`.
///
/// Reads and writes go straight to `recv`/`send` and only park on the server's `SocketReactor` when the kernel says
/// `EAGAIN`; the socket is registered with the reactor once, here, and deregistered just before it is closed. Other
/// tasks may `shutdown` it (timeouts, graceful stop): that wakes a parked read with end of file and a parked write
/// with `EPIPE`, and never races a reused descriptor, because the descriptor is closed only once nobody holds the
/// socket.
final class ConnectionSocket: Sendable {
    let descriptor: Int32
    private let reactor: SocketReactor
    /// Its place in the reactor (tests look at it to know a wait really parked).
    let registration: SocketRegistration

    /// Takes ownership of `descriptor` (closing it if the reactor refuses it).
    init(adopting descriptor: Int32, reactor: SocketReactor) throws(SocketReactorError) {
        // Registered before the other properties are set: a throwing init whose properties are all set still runs
        // `deinit`, which would close the descriptor a second time.
        do {
            registration = try reactor.register(descriptor, for: .connection)
        } catch {
            _ = Glibc.close(descriptor)
            throw error
        }
        self.descriptor = descriptor
        self.reactor = reactor
    }

    deinit {
        reactor.deregister(registration)
        _ = Glibc.close(descriptor)
    }

    /// Disables Nagle: a response is one write, but a pipelined burst of small responses should not wait for ACKs.
    func disableNagle() {
        var on: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    func shutdown(reading: Bool = true, writing: Bool = true) {
        let how = reading && writing ? Int32(SHUT_RDWR) : (reading ? Int32(SHUT_RD) : Int32(SHUT_WR))
        _ = Glibc.shutdown(descriptor, how)
        registration.shutDown(reading: reading, writing: writing)
    }

    /// Reads whatever has arrived into `buffer`'s free space (waiting if nothing has); 0 is end of stream.
    func receive(into buffer: inout ReceiveBuffer) async throws -> Int {
        while true {
            guard buffer.makeRoom() else { return -1 }
            let readiness = registration.readiness(.read)
            let count = buffer.fill { space in recv(descriptor, space.baseAddress, space.count, 0) }
            if count >= 0 { return count }
            try await waitAfterFailure(for: .read, unchangedSince: readiness)
        }
    }

    /// Reads until `data` holds `total` bytes, growing it at most `step` bytes ahead of what has arrived; false if
    /// the peer closed first.
    func receive(appendingTo data: inout Data, upTo total: Int, step: Int = 64 * 1024) async throws -> Bool {
        while data.count < total {
            let start = data.count
            let room = min(step, total - start)
            let readiness = registration.readiness(.read)
            data.count = start + room
            let count = data.withUnsafeMutableBytes { bytes in recv(descriptor, bytes.baseAddress! + start, room, 0) }
            let code = errno
            data.count = start + max(count, 0)
            errno = code
            if count == 0 { return false }
            if count < 0 { try await waitAfterFailure(for: .read, unchangedSince: readiness) }
        }
        return true
    }

    /// One non-blocking attempt to write `bytes`, for answers sent from outside the connection's task (the handler
    /// timeout): whatever does not fit the socket buffer at once is dropped.
    func sendNow(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { raw in
            Glibc.send(descriptor, raw.baseAddress!, raw.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
    }

    /// Writes all of `bytes` (one `send` unless the socket buffer is full).
    func send(_ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            let start = offset
            let readiness = registration.readiness(.write)
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + start, raw.count - start, Int32(MSG_NOSIGNAL))
            }
            if sent >= 0 {
                offset += sent
            } else {
                try await waitAfterFailure(for: .write, unchangedSince: readiness)
            }
        }
    }

    /// After a -1 from the kernel: parks on the reactor for `EAGAIN` (unless readiness came meanwhile), retries
    /// `EINTR`, throws anything else.
    private func waitAfterFailure(
        for direction: SocketRegistration.Direction,
        unchangedSince readiness: UInt64
    ) async throws {
        let code = errno
        switch code {
        case EAGAIN, EWOULDBLOCK:
            try await registration.wait(for: direction, unchangedSince: readiness)
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
