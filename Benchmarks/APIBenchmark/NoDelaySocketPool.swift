import FlyingSocks

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// FlyingFox's socket pool with `TCP_NODELAY` set on every socket it is asked to wait for.
///
/// FlyingFox 0.27.1 writes a response's head and body in two `write`s and never disables Nagle, so the body waits
/// for the client's delayed ACK of the head: ~40 ms per response on a keep-alive connection. The pool is the one
/// hook the server offers: the listening socket passes through it on its first blocked `accept` (before any client
/// is accepted, and Linux hands the option down to accepted sockets), and every connection on its first blocked
/// read or write.
public struct NoDelaySocketPool<Base: AsyncSocketPool>: AsyncSocketPool {
    let base: Base

    public init(_ base: Base) { self.base = base }

    public func prepare() async throws { try await base.prepare() }
    public func run() async throws { try await base.run() }

    public func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        Self.disableNagle(socket)
        try await base.suspendSocket(socket, untilReadyFor: events)
    }

    static var noDelay: BoolSocketOption { BoolSocketOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY) }

    /// Unix sockets refuse the option; that is fine, they have no Nagle to disable.
    static func disableNagle(_ socket: Socket) {
        try? socket.setValue(true, for: noDelay)
    }
}
