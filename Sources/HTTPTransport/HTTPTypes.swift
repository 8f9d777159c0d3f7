import Foundation

/// An ordered list of header fields with case-insensitive look-up.
/// Order is kept because signing and some tests care about it.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) { self.fields = fields }
    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The first value for `name`, compared case-insensitively; setting replaces every field of that name.
    public subscript(name: String) -> String? {
        get { fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value }
        set {
            fields.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
            if let newValue { fields.append((name: name, value: newValue)) }
        }
    }

    public mutating func add(_ name: String, _ value: String) { fields.append((name: name, value: value)) }
    public func values(for name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }
    public var isEmpty: Bool { fields.isEmpty }
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}

/// Where a request body comes from. Files are streamed, never loaded whole.
public enum HTTPRequestBody: Sendable, Equatable {
    case empty
    case data(Data)
    /// `length` nil means "to the end of the file".
    case file(path: String, offset: UInt64 = 0, length: UInt64? = nil)
}

/// Where a response body goes. `.file` streams to disk so a 5 GB object never sits in memory.
public enum HTTPResponseDestination: Sendable, Equatable {
    /// Bodies larger than `limit` bytes fail with `HTTPTransportError.Kind.responseTooLarge`.
    case memory(limit: Int = 64 << 20)
    /// The file is created (truncated) on the first byte — or at the end when the body is empty — and
    /// closed before `execute` returns. A non-2xx body goes to the file too, and its first 64 KiB are
    /// also kept in `HTTPResponse.body` so error documents can be parsed without reading the file.
    /// After a failed transfer the file may hold a partial body.
    case file(path: String)
}

public struct HTTPTimeouts: Sendable, Equatable {
    public var connect: Duration
    /// The whole transfer; nil for no limit (large uploads rely on the low-speed guard instead).
    public var total: Duration?
    /// Abort when fewer than `lowSpeedBytesPerSecond` move for `lowSpeedWindow`.
    public var lowSpeedBytesPerSecond: Int
    public var lowSpeedWindow: Duration

    public init(
        connect: Duration = .seconds(10),
        total: Duration? = .seconds(300),
        lowSpeedBytesPerSecond: Int = 1,
        lowSpeedWindow: Duration = .seconds(60)
    ) {
        self.connect = connect
        self.total = total
        self.lowSpeedBytesPerSecond = lowSpeedBytesPerSecond
        self.lowSpeedWindow = lowSpeedWindow
    }

    public static let `default` = HTTPTimeouts()
}

public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: HTTPHeaders
    public var body: HTTPRequestBody
    public var destination: HTTPResponseDestination
    /// nil: the transport's defaults.
    public var timeouts: HTTPTimeouts?

    public init(
        method: String,
        url: URL,
        headers: HTTPHeaders = [:],
        body: HTTPRequestBody = .empty,
        destination: HTTPResponseDestination = .memory(),
        timeouts: HTTPTimeouts? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.destination = destination
        self.timeouts = timeouts
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    /// The body when the destination was `.memory`; empty when it went to a file, except for a non-2xx
    /// status, where it holds the first 64 KiB of the body (see `HTTPResponseDestination.file`).
    public var body: Data
    /// Bytes of body received, wherever they went.
    public var bodyLength: Int64

    public init(status: Int, headers: HTTPHeaders = [:], body: Data = Data(), bodyLength: Int64? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyLength = bodyLength ?? Int64(body.count)
    }
}

/// Moves one request to a server and back. Conformers must be safe to call concurrently.
public protocol HTTPTransport: Sendable {
    func execute(_ request: HTTPRequest) async throws -> HTTPResponse
}
