import Foundation
import Logging

/// One client connection: read a head, read its body, hand the request to the application, write the answer in
/// one `send`, and again while the connection is kept alive. Runs in the connection's own task; the request is
/// handled inline (no task per request). Limits and malformed input are answered here with problem+json.
struct HTTP1Connection {
    let socket: ConnectionSocket
    let state: ConnectionState
    let configuration: HTTP1Server.Configuration
    let handler: HTTP1Server.Handler
    let logger: Logger
    private var buffer: ReceiveBuffer

    init(socket: ConnectionSocket, state: ConnectionState, configuration: HTTP1Server.Configuration,
         handler: @escaping HTTP1Server.Handler, logger: Logger) {
        self.socket = socket
        self.state = state
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        // Room for the largest head plus a large read of whatever follows it (a body, pipelined requests).
        buffer = ReceiveBuffer(maxCapacity: configuration.maxHeadBytes + 64 * 1024)
    }

    mutating func serve() async {
        do {
            // Yield between requests: when the next request is already buffered (or arrives before we ask), this
            // task would otherwise never suspend and keep its pool thread from every other connection — at 20k
            // req/s on 2 cores that starved some connections for 100–700 ms (p99), while p50 stayed at 3 ms.
            while try await serveOneRequest() { await Task.yield() }
        } catch {
            // The peer reset, a timeout or a stop shut the socket: there is nobody left to answer.
            logger.trace("connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// Serves one request; whether the connection stays open for another.
    private mutating func serveOneRequest() async throws -> Bool {
        guard state.enterIdle() else { return false }
        let head: HTTP1RequestHead
        switch try await receiveHead() {
        case .head(let received): head = received
        case .closed: return false
        case .refused(let problem):
            try await refuse(problem, path: nil)
            return false
        }

        let body: Data
        switch try await receiveBody(for: head) {
        case .body(let received): body = received
        case .closed: return false
        case .refused(let problem):
            try await refuse(problem, path: head.path)
            return false
        }

        state.enter(.handling)
        var request = APIRequest(method: head.method, path: head.path)
        request.query = head.query
        request.headers = head.headers
        request.body = body
        let response = await handler(request)

        let keepAlive = head.keepAlive && !state.enterSending()
        let persistence: ResponseEncoder.Persistence = !keepAlive ? .close : (head.version == .http10 ? .keepAliveHTTP10 : .keepAlive)
        try await socket.send(ResponseEncoder.encode(response, persistence: persistence))
        return keepAlive
    }

    // MARK: Head

    private enum HeadOutcome {
        case head(HTTP1RequestHead)
        case closed
        case refused(APIProblem)
    }

    private mutating func receiveHead() async throws -> HeadOutcome {
        var scanned = 0
        while true {
            skipEmptyLines()
            if let end = findHeadEnd(scanned: &scanned) {
                do {
                    let head = try buffer.withReadableBytes { bytes throws(APIProblem) in
                        try HTTP1HeadParser.parse(UnsafeRawBufferPointer(rebasing: bytes[..<end]))
                    }
                    buffer.consume(end + 4)
                    return .head(head)
                } catch {
                    return .refused(error)
                }
            }
            if buffer.readableCount >= configuration.maxHeadBytes { return .refused(.headTooLarge(limit: configuration.maxHeadBytes)) }
            // Bytes of a head are here but not all of it: from now on the (shorter) head timeout applies.
            if !buffer.isEmpty { state.noteHeadStarted() }
            let count = try await socket.receive(into: &buffer)
            if count == 0 { return .closed }
            if count < 0 { return .refused(.headTooLarge(limit: configuration.maxHeadBytes)) }
        }
    }

    /// RFC 9112 §2.2: a server should ignore empty lines before a request line (some clients send a CRLF after a body).
    private mutating func skipEmptyLines() {
        while buffer.readableCount >= 2, buffer.withReadableBytes({ $0[0] == .carriageReturn && $0[1] == .lineFeed }) {
            buffer.consume(2)
        }
    }

    /// Offset of the CRLF CRLF that ends the head; `scanned` remembers how far earlier calls looked.
    private func findHeadEnd(scanned: inout Int) -> Int? {
        buffer.withReadableBytes { bytes in
            var index = max(0, scanned - 3)
            while index + 3 < bytes.count {
                if bytes[index + 3] != .lineFeed {
                    // The last byte of the pattern is LF: skip ahead as far as the byte under it allows.
                    index += bytes[index + 3] == .carriageReturn ? 1 : 4
                    continue
                }
                if bytes[index] == .carriageReturn, bytes[index + 1] == .lineFeed, bytes[index + 2] == .carriageReturn {
                    return index
                }
                index += 1
            }
            scanned = bytes.count
            return nil
        }
    }

    // MARK: Body

    private enum BodyOutcome {
        case body(Data)
        case closed
        case refused(APIProblem)
    }

    private mutating func receiveBody(for head: HTTP1RequestHead) async throws -> BodyOutcome {
        let limit = configuration.maxBodyBytes
        switch head.framing {
        case .none:
            return .body(Data())
        case .length(let length):
            // Refused from the head alone: the body is never read (and a client that expects 100 never sends it).
            guard length <= limit else { return .refused(.bodyTooLarge(limit: limit)) }
            guard length > 0 else { return .body(Data()) }
            try await sendContinueIfExpected(head)
            state.enter(.readingBody(since: .now))
            var body = Data(count: length)
            let buffered = min(length, buffer.readableCount)
            buffer.withReadableBytes { bytes in
                body.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<buffered])) }
            }
            buffer.consume(buffered)
            // The rest goes from the socket straight into the body, never past it (pipelined bytes stay unread).
            if buffered < length, !(try await socket.receive(into: &body, range: buffered..<length)) { return .closed }
            return .body(body)
        case .chunked:
            try await sendContinueIfExpected(head)
            state.enter(.readingBody(since: .now))
            var decoder = ChunkedBodyDecoder(limit: limit, maxLineBytes: configuration.maxHeadBytes)
            while true {
                do {
                    let used = try buffer.withReadableBytes { bytes throws(APIProblem) in try decoder.consume(bytes) }
                    buffer.consume(used)
                } catch {
                    return .refused(error)
                }
                if decoder.isComplete { return .body(decoder.takeBody()) }
                let count = try await socket.receive(into: &buffer)
                if count == 0 { return .closed }
                if count < 0 { return .refused(.malformedRequest("a chunk line does not fit the receive buffer")) }
            }
        }
    }

    /// `100 Continue` unless the client already started sending the body.
    private func sendContinueIfExpected(_ head: HTTP1RequestHead) async throws {
        guard head.expectsContinue, buffer.isEmpty else { return }
        try await socket.send(ResponseEncoder.continueResponse)
    }

    // MARK: Refusals

    /// Answers a problem found before the application saw the request, then closes. The client may still be
    /// sending (a huge body we refused unread): closing a socket with unread bytes makes the kernel send a reset,
    /// which can destroy our answer in the client's receive buffer; so first stop writing, then read and drop what
    /// still comes for a bounded time (the linger timeout), and only then close.
    private mutating func refuse(_ problem: APIProblem, path: String?) async throws {
        state.enter(.sending(since: .now))
        try await socket.send(ResponseEncoder.encode(problem.response(instance: path), persistence: .close))
        socket.shutdown(reading: false, writing: true)
        state.enter(.lingering(since: .now))
        buffer.consume(buffer.readableCount)
        while try await socket.receive(into: &buffer) > 0 {
            buffer.consume(buffer.readableCount)
        }
    }
}
