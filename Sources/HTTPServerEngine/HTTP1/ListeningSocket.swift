import FlyingSocks
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The bound, listening, non-blocking server socket; the one owner of its descriptor, closed in `deinit` (after it
/// leaves the reactor).
final class ListeningSocket: Sendable {
    let descriptor: Int32
    /// The bound port (the kernel's choice when asked for port 0).
    let port: UInt16
    private let reactor: SocketReactor
    /// Where the accept loop waits for connections.
    let registration: SocketRegistration

    /// `host` nil listens on every interface (IPv6 and IPv4); otherwise an IPv4 or IPv6 address.
    init(host: String?, port requested: UInt16, backlog: Int32, reactor: SocketReactor) throws {
        let address: any SocketAddress =
            switch host {
            case nil: sockaddr_in6.inet6(port: requested)
            case let host? where host.contains(":"): try sockaddr_in6.inet6(ip6: host, port: requested)
            case let host?: try sockaddr_in.inet(ip4: host, port: requested)
            }
        let socket = try Socket(domain: Int32(type(of: address).family), type: .stream)
        do {
            try socket.setValue(true, for: .localAddressReuse)
            try socket.bind(to: address)
            try socket.listen(maxPendingConnection: backlog)
            try socket.setFlags(.nonBlocking)
            switch try socket.sockname() {
            case .ip4(_, let port), .ip6(_, let port): self.port = port
            case .unix: self.port = 0
            }
            registration = try reactor.register(socket.file.rawValue, for: .listener)
        } catch {
            try? socket.close()
            throw error
        }
        descriptor = socket.file.rawValue
        self.reactor = reactor
    }

    deinit {
        reactor.deregister(registration)
        _ = Glibc.close(descriptor)
    }

    /// A new connection's descriptor, made non-blocking, and its peer's address; descriptor -1 with `errno` set if
    /// none. (Glibc's module does not export `accept4`; the extra `fcntl` per connection is nothing next to its
    /// requests.)
    func accept() -> (descriptor: Int32, peer: String?) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let accepted = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(descriptor, $0, &length) }
        }
        guard accepted >= 0 else { return (accepted, nil) }
        let flags = fcntl(accepted, F_GETFL)
        guard fcntl(accepted, F_SETFL, flags | O_NONBLOCK) == 0 else {
            let code = errno
            _ = Glibc.close(accepted)
            errno = code
            return (-1, nil)
        }
        return (accepted, Self.addressText(storage))
    }

    /// The IP address as text, no port; an IPv4 client of a dual-stack socket (`::ffff:192.0.2.1`) as IPv4.
    static func addressText(_ storage: sockaddr_storage) -> String? {
        var storage = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = Int32(storage.ss_family)
        let written: UnsafePointer<CChar>? = withUnsafePointer(to: &storage) { pointer in
            switch family {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var ip = address.pointee.sin_addr
                    return inet_ntop(AF_INET, &ip, &text, socklen_t(text.count))
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var ip = address.pointee.sin6_addr
                    return inet_ntop(AF_INET6, &ip, &text, socklen_t(text.count))
                }
            default:
                return nil
            }
        }
        guard written != nil else { return nil }
        let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return address.hasPrefix("::ffff:") && address.contains(".") ? String(address.dropFirst(7)) : address
    }

    /// Stops accepting: Linux fails further `accept`s (`EINVAL`), and the accept loop's wait ends (by the kernel's
    /// hang-up event, and directly in case it comes late).
    func shutdown() {
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
        registration.shutDown(reading: true, writing: true)
    }
}
