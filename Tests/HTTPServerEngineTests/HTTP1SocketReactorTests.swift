import Foundation
import LecternTestSupport
import Synchronization
import Testing

@testable import HTTPServerEngine

#if canImport(Glibc)
import Glibc
#endif

/// The HTTP/1.1 engine's epoll reactor on its own, over real loopback TCP connections: every wait that should end
/// ends (data, peer close, shutdown, cancellation, stop), and no wake-up is lost between `EAGAIN` and parking.
/// A wait that never ends fails its test through `within(_:limit:_:)` instead of hanging the suite.
@Suite("HTTP/1.1 engine: socket reactor") struct HTTP1SocketReactorTests {

    // MARK: Reads

    @Test func aParkedReadWakesWhenDataArrives() async throws {
        // Given a read parked on an empty connection
        let (reactor, pair) = try Self.startedPair()
        defer { reactor.stop() }
        let reading = Task { try await pair.socket.receive(count: 5) }
        try await Self.eventually { pair.socket.registration.isParked(.read) }
        // When the peer sends
        pair.peerSend("hello")
        // Then the read wakes with what was sent
        let received = try await within("the parked read", reading).get()
        #expect(received == Data("hello".utf8))
    }

    @Test func aParkedReadWakesWithEndOfFileWhenThePeerCloses() async throws {
        let (reactor, pair) = try Self.startedPair()
        defer { reactor.stop() }
        let reading = Task { try await pair.socket.receiveOnce() }
        try await Self.eventually { pair.socket.registration.isParked(.read) }
        pair.closePeer()
        #expect(try await within("the parked read", reading).get() == 0)
    }

    /// The kernel's own event (a bare `shutdown(2)`, which the registration never hears of) must wake the read.
    @Test(arguments: [Int32(SHUT_RD), Int32(SHUT_RDWR)])
    func aParkedReadWakesWhenTheSocketIsShutDownBehindTheReactorsBack(how: Int32) async throws {
        let (reactor, pair) = try Self.startedPair()
        defer { reactor.stop() }
        let reading = Task { try await pair.socket.receiveOnce() }
        try await Self.eventually { pair.socket.registration.isParked(.read) }
        _ = Glibc.shutdown(pair.socket.descriptor, how)
        #expect(try await within("the parked read", reading).get() == 0)
    }

    @Test func aParkedReadWakesWhenTheEngineShutsTheSocketDown() async throws {
        let (reactor, pair) = try Self.startedPair()
        defer { reactor.stop() }
        let reading = Task { try await pair.socket.receiveOnce() }
        try await Self.eventually { pair.socket.registration.isParked(.read) }
        pair.socket.shutdown()
        #expect(try await within("the parked read", reading).get() == 0)
    }

    // MARK: Writes

    @Test func aWriteParkedOnAFullSendBufferWakesWhenThePeerReads() async throws {
        // Given more bytes than the socket buffers hold, and a peer that does not read yet
        let (reactor, pair) = try Self.startedPair(smallBuffers: true)
        defer { reactor.stop() }
        let payload = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let sending = Task { try await pair.socket.send(payload) }
        try await Self.eventually { pair.socket.registration.isParked(.write) }
        // When the peer reads everything
        let peer = pair.peer
        let received = try await RawSocket.onThread { try Self.blockingRead(peer, count: payload.count) }
        // Then the write finished, byte for byte
        try await within("the parked write", sending).get()
        #expect(received == payload)
    }

    /// Linux reports a shut-down socket writable (and hung up), so the kernel's event alone ends the parked write,
    /// which then fails with `EPIPE`.
    @Test(arguments: [Int32(SHUT_WR), Int32(SHUT_RDWR)])
    func aWriteParkedOnAFullSendBufferWakesWhenTheSocketIsShutDownBehindTheReactorsBack(how: Int32) async throws {
        let (reactor, pair) = try Self.startedPair(smallBuffers: true)
        defer { reactor.stop() }
        let sending = Task { try await pair.socket.send([UInt8](repeating: 7, count: 4 << 20)) }
        try await Self.eventually { pair.socket.registration.isParked(.write) }
        _ = Glibc.shutdown(pair.socket.descriptor, how)
        let outcome = try await within("the parked write", sending)
        #expect(throws: ConnectionClosed.self) { try outcome.get() }
    }

    @Test func aWriteParkedOnAFullSendBufferWakesWhenTheEngineShutsTheSocketDown() async throws {
        let (reactor, pair) = try Self.startedPair(smallBuffers: true)
        defer { reactor.stop() }
        let sending = Task { try await pair.socket.send([UInt8](repeating: 7, count: 4 << 20)) }
        try await Self.eventually { pair.socket.registration.isParked(.write) }
        pair.socket.shutdown()
        let outcome = try await within("the parked write", sending)
        #expect(throws: ConnectionClosed.self) { try outcome.get() }
    }

    // MARK: Listening sockets

    @Test func aParkedAcceptWakesForAConnectionAndWhenTheListenerIsShutDown() async throws {
        let reactor = try SocketReactor()
        try reactor.start()
        defer { reactor.stop() }
        let listener = try ListeningSocket(host: "127.0.0.1", port: 0, backlog: 8, reactor: reactor)
        let registration = listener.registration

        // Given a parked accept, when a client connects, then it wakes and accepts the connection
        let accepting = Task { () throws -> (descriptor: Int32, peer: String?) in
            while true {
                let readiness = registration.readiness(.read)
                let accepted = listener.accept()
                if accepted.descriptor >= 0 || errno != EAGAIN { return accepted }
                try await registration.wait(for: .read, unchangedSince: readiness)
            }
        }
        try await Self.eventually { registration.isParked(.read) }
        let client = try RawSocket(port: listener.port)
        let (accepted, peer) = try await within("the parked accept", accepting).get()
        #expect(accepted >= 0)
        // The peer's address as text, no port (an IPv4 client of a dual-stack socket shown as IPv4)
        #expect(peer == "127.0.0.1")
        _ = Glibc.close(accepted)
        withExtendedLifetime(client) {}

        // Given a parked accept, when the listening socket is shut down (by a bare shutdown(2): the kernel's event
        // alone), then the wait ends and accepting fails
        let waiting = Task { () throws -> Bool in
            let readiness = registration.readiness(.read)
            guard listener.accept().descriptor < 0, errno == EAGAIN else { return false }
            try await registration.wait(for: .read, unchangedSince: readiness)
            return true
        }
        try await Self.eventually { registration.isParked(.read) }
        _ = Glibc.shutdown(listener.descriptor, Int32(SHUT_RDWR))
        #expect(try await within("the parked accept", waiting).get())
        let refused = listener.accept().descriptor, code = errno
        #expect(refused < 0 && code == EINVAL)
    }

    // MARK: Cancellation and stop

    @Test func cancellingAParkedWaitEndsItAndTheNextWaitStillWorks() async throws {
        let (reactor, pair) = try Self.startedPair()
        defer { reactor.stop() }
        let reading = Task { try await pair.socket.receiveOnce() }
        try await Self.eventually { pair.socket.registration.isParked(.read) }
        reading.cancel()
        let outcome = try await within("the cancelled read", reading)
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(!pair.socket.registration.isParked(.read))

        let next = Task { try await pair.socket.receive(count: 2) }
        try await Self.eventually { pair.socket.registration.isParked(.read) }
        pair.peerSend("ok")
        #expect(try await within("the next read", next).get() == Data("ok".utf8))
    }

    @Test func aWaitInACancelledTaskDoesNotPark() async throws {
        let (reactor, pair) = try Self.startedPair()
        defer { reactor.stop() }
        let registration = pair.socket.registration
        let waiting = Task { () throws -> Void in
            withUnsafeCurrentTask { $0?.cancel() }
            try await registration.wait(for: .read, unchangedSince: registration.readiness(.read))
        }
        let outcome = try await within("the wait", waiting)
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(!registration.isParked(.read))
    }

    @Test func stoppingTheReactorEndsParkedWaitsAndRefusesNewSockets() async throws {
        let (reactor, pair) = try Self.startedPair()
        let reading = Task { try await pair.socket.receiveOnce() }
        try await Self.eventually { pair.socket.registration.isParked(.read) }
        reactor.stop()
        let outcome = try await within("the parked read", reading)
        #expect(throws: SocketReactorError.stopped) { try outcome.get() }

        let (local, peer) = try Self.loopbackPair()
        defer { _ = Glibc.close(peer) }
        #expect(throws: SocketReactorError.stopped) { _ = try ConnectionSocket(adopting: local, reactor: reactor) }
        // ConnectionSocket closed the descriptor it was given: the peer reads end of file.
        #expect(
            try await RawSocket.onThread {
                var byte: UInt8 = 0
                return recv(peer, &byte, 1, 0)
            } == 0
        )
    }

    // MARK: Lost wake-ups

    /// The window the readiness sequence exists for, made deterministic: the data arrives after `recv` said
    /// `EAGAIN` and the reactor has seen its event before the reader parks. The wait must return at once.
    @Test func readinessThatArrivesBetweenEAGAINAndParkingIsNotLost() async throws {
        let (reactor, pair) = try Self.startedPair()
        defer { reactor.stop() }
        let registration = pair.socket.registration
        let readiness = registration.readiness(.read)
        var byte: UInt8 = 0
        #expect(recv(pair.socket.descriptor, &byte, 1, 0) == -1 && errno == EAGAIN)
        pair.peerSend("x")
        try await Self.eventually { registration.readiness(.read) != readiness }
        try await within("the late wait", Task { try await registration.wait(for: .read, unchangedSince: readiness) })
            .get()
        #expect(recv(pair.socket.descriptor, &byte, 1, 0) == 1 && byte == UInt8(ascii: "x"))
    }

    /// Many connections playing ping-pong through the reactor at once: every reply is read right after a parked
    /// or nearly parked wait, so a wake-up lost anywhere between `EAGAIN` and parking stalls a pair and the test
    /// times out. Each reply is the request plus one, checked on every round.
    @Test func manyConnectionsPlayingPingPongNeverStall() async throws {
        let reactor = try SocketReactor()
        try reactor.start()
        defer { reactor.stop() }
        let pairs = 32, rounds = 1000
        let sockets = try (0..<pairs).map { _ in
            let (local, peer) = try Self.loopbackPair(peerNonBlocking: true)
            return (
                try ConnectionSocket(adopting: local, reactor: reactor),
                try ConnectionSocket(adopting: peer, reactor: reactor)
            )
        }
        let replies = try await within(
            "the ping-pong",
            limit: .seconds(120),
            Task {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for (server, client) in sockets {
                        group.addTask {
                            for _ in 0..<rounds {
                                let request = try await server.receive(count: 1)
                                try await server.send([request[0] &+ 1])
                            }
                            return 0
                        }
                        group.addTask {
                            var correct = 0
                            for round in 0..<rounds {
                                let value = UInt8(truncatingIfNeeded: round)
                                try await client.send([value])
                                if try await client.receive(count: 1) == Data([value &+ 1]) { correct += 1 }
                            }
                            return correct
                        }
                    }
                    return try await group.reduce(0, +)
                }
            }
        ).get()
        #expect(replies == pairs * rounds)
    }

    // MARK: Deregistration

    @Test func aDeregisteredSocketsWaitsEndAndItsEventsNeverReachTheNextOwnerOfItsNumber() async throws {
        let reactor = try SocketReactor()
        try reactor.start()
        defer { reactor.stop() }
        // Given a registered socket with a parked read
        let (first, firstPeer) = try Self.loopbackPair()
        defer { _ = Glibc.close(firstPeer) }
        let old = try reactor.register(first, for: .connection)
        let parked = Task { try await old.wait(for: .read, unchangedSince: old.readiness(.read)) }
        try await Self.eventually { old.isParked(.read) }

        // When it is deregistered and closed, and a new connection takes the same descriptor number (dup2 closes
        // the old socket and reuses its number in one step: other tests in this process open descriptors too)
        reactor.deregister(old)
        let outcome = try await within("the deregistered wait", parked)
        #expect(throws: SocketReactorError.deregistered) { try outcome.get() }
        let (second, secondPeer) = try Self.loopbackPair()
        defer { _ = Glibc.close(secondPeer) }
        #expect(dup2(second, first) == first)
        _ = Glibc.close(second)
        let socket = try ConnectionSocket(adopting: first, reactor: reactor)

        // Then an event carrying the old token would be dropped, the new token finds the new socket…
        #expect(socket.registration.generation != old.generation)
        #expect(reactor.registration(for: old.token) == nil)
        #expect(reactor.registration(for: socket.registration.token) === socket.registration)
        // …the old registration refuses to park…
        await #expect(throws: SocketReactorError.deregistered) {
            try await old.wait(for: .read, unchangedSince: old.readiness(.read))
        }
        // …and the new socket is served by the reactor.
        let reading = Task { try await socket.receive(count: 3) }
        try await Self.eventually { socket.registration.isParked(.read) }
        #expect(Glibc.send(secondPeer, "new", 3, Int32(MSG_NOSIGNAL)) == 3)
        #expect(try await within("the new socket's read", reading).get() == Data("new".utf8))
    }

    // MARK: Helpers

    /// A registered connection (`socket`) and the blocking peer the test drives it from.
    final class Pair: Sendable {
        let socket: ConnectionSocket
        let peer: Int32
        private let peerOpen = Mutex(true)

        init(socket: ConnectionSocket, peer: Int32) {
            self.socket = socket
            self.peer = peer
        }

        deinit { closePeer() }

        func peerSend(_ text: String) {
            let sent = text.withCString { Glibc.send(peer, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            #expect(sent == text.utf8.count)
        }

        func closePeer() {
            if peerOpen.withLock({ open in
                defer { open = false }
                return open
            }) {
                _ = Glibc.close(peer)
            }
        }
    }

    static func startedPair(smallBuffers: Bool = false) throws -> (SocketReactor, Pair) {
        let reactor = try SocketReactor()
        try reactor.start()
        let (local, peer) = try loopbackPair(smallBuffers: smallBuffers)
        return (reactor, Pair(socket: try ConnectionSocket(adopting: local, reactor: reactor), peer: peer))
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// A connected loopback TCP pair: `local` non-blocking (for the reactor), `peer` blocking with a 10 s receive
    /// timeout unless asked otherwise. Small buffers make a few megabytes enough to fill them.
    static func loopbackPair(
        smallBuffers: Bool = false,
        peerNonBlocking: Bool = false
    ) throws -> (local: Int32, peer: Int32) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { _ = Glibc.close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(listener, address, length) == 0 && listen(listener, 1) == 0
                    && getsockname(listener, address, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "bind/listen: \(errno)") }
        let peer = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard peer >= 0 else { throw Failure(description: "socket: \(errno)") }
        if smallBuffers { setBuffer(peer, SO_RCVBUF) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(peer, $0, length) }
        }
        let local = accept(listener, nil, nil)
        guard connected == 0, local >= 0 else {
            _ = Glibc.close(peer)
            throw Failure(description: "connect/accept: \(errno)")
        }
        if smallBuffers { setBuffer(local, SO_SNDBUF) }
        _ = fcntl(local, F_SETFL, fcntl(local, F_GETFL) | O_NONBLOCK)
        if peerNonBlocking {
            _ = fcntl(peer, F_SETFL, fcntl(peer, F_GETFL) | O_NONBLOCK)
        } else {
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        return (local, peer)
    }

    private static func setBuffer(_ descriptor: Int32, _ option: Int32) {
        var size: Int32 = 64 * 1024
        setsockopt(descriptor, SOL_SOCKET, option, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Reads exactly `count` bytes from a blocking socket (run it on a thread of its own).
    static func blockingRead(_ descriptor: Int32, count: Int) throws -> [UInt8] {
        var received = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = received.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + offset, count - offset, 0) }
            guard got > 0 else { throw Failure(description: "peer read ended after \(offset) bytes (errno \(errno))") }
            offset += got
        }
        return received
    }

    /// Polls `condition` (a state that a waiting task reaches on its own) for up to 10 s.
    static func eventually(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                throw Failure(description: "condition not reached within 10 s")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// Waits for `task`; if it has not finished within `limit`, cancels it and fails: a wait that never ends must fail
/// the test, not hang the suite.
@discardableResult
func within<T: Sendable>(
    _ what: String,
    limit: Duration = .seconds(10),
    _ task: Task<T, any Error>
) async throws -> Result<T, any Error> {
    let watchdog = Task { () -> Bool in
        do { try await Task.sleep(for: limit) } catch { return false }
        task.cancel()
        return true
    }
    let result = await task.result
    watchdog.cancel()
    if await watchdog.value {
        throw HTTP1SocketReactorTests.Failure(description: "\(what) did not finish within \(limit)")
    }
    return result
}

extension ConnectionSocket {
    /// Exactly `count` bytes (the engine's own body read).
    func receive(count: Int) async throws -> Data {
        var data = Data()
        guard try await receive(appendingTo: &data, upTo: count) else {
            throw HTTP1SocketReactorTests.Failure(description: "the peer closed early")
        }
        return data
    }

    /// One read into a fresh buffer (the engine's head read): what `recv` returned, 0 at end of file.
    func receiveOnce() async throws -> Int {
        var buffer = ReceiveBuffer(maxCapacity: 4096)
        return try await receive(into: &buffer)
    }
}
