import Foundation

/// A request as the signer sees it: every part exactly as it goes on the wire.
public struct SigV4Request: Sendable {
    public var method: String
    /// `http`/`https`; empty when the request was made from a bare target.
    public var scheme: String
    /// `host[:port]` as written in the URL (without user info); empty for a bare target.
    public var authority: String
    /// The percent-encoded path as sent (`/bucket/a%20b`), `/` when the URL has none.
    public var path: String
    /// The query as sent, without `?`; empty when there is none.
    public var query: String
    public var headers: HeaderFields
    /// Host header value derived from the URL: lower-cased host, port only when not the scheme's default.
    public var urlHost: String

    /// Splits the URL's own text (no URLComponents, which decodes and re-encodes).
    public init(method: String, url: URL, headers: HeaderFields = []) throws(SigV4Error) {
        let text = url.absoluteString
        guard let parts = URLTextParts(text) else {
            throw SigV4Error(.urlWithoutHost, text)
        }
        self.method = method
        self.scheme = parts.scheme
        self.authority = parts.authority
        self.path = parts.path.isEmpty ? "/" : parts.path
        self.query = parts.query
        self.headers = headers
        self.urlHost = parts.hostHeader
    }

    /// A request from an origin-form target (`/path?query`) whose `Host` is in `headers`.
    public init(method: String, path: String, query: String = "", headers: HeaderFields) {
        self.method = method
        self.scheme = ""
        self.authority = ""
        self.path = path
        self.query = query
        self.headers = headers
        self.urlHost = ""
    }

    /// The `Host` header that will be signed: the caller's, else the one from the URL.
    public var hostHeader: String {
        headers.first(where: { Self.nameEquals($0.name, "host") })?.value ?? urlHost
    }

    var hasHostHeader: Bool { headers.contains { Self.nameEquals($0.name, "host") } }

    /// ASCII case-insensitive comparison against a lower-case literal.
    static func nameEquals(_ name: String, _ lowercased: StaticString) -> Bool {
        let rhs = UnsafeBufferPointer(start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount)
        var i = 0
        for byte in name.utf8 {
            guard i < rhs.count, asciiLower(byte) == rhs[i] else { return false }
            i += 1
        }
        return i == rhs.count
    }

    @inline(__always)
    static func asciiLower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}

/// `scheme://[userinfo@]authority/path?query#fragment`, split on the UTF-8 bytes.
struct URLTextParts {
    var scheme: String
    var authority: String
    var hostHeader: String
    var path: String
    var query: String

    init?(_ text: String) {
        let u = Array(text.utf8)
        guard let colon = u.firstIndex(of: UInt8(ascii: ":")), colon > 0,
              colon + 2 < u.count, u[colon + 1] == UInt8(ascii: "/"), u[colon + 2] == UInt8(ascii: "/")
        else { return nil }
        let authorityStart = colon + 3
        var authorityEnd = authorityStart
        while authorityEnd < u.count, u[authorityEnd] != UInt8(ascii: "/"),
              u[authorityEnd] != UInt8(ascii: "?"), u[authorityEnd] != UInt8(ascii: "#") {
            authorityEnd += 1
        }
        var hostStart = authorityStart
        if let at = u[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) { hostStart = at + 1 }
        guard hostStart < authorityEnd else { return nil }

        var pathEnd = authorityEnd
        while pathEnd < u.count, u[pathEnd] != UInt8(ascii: "?"), u[pathEnd] != UInt8(ascii: "#") { pathEnd += 1 }
        var queryEnd = pathEnd
        if pathEnd < u.count, u[pathEnd] == UInt8(ascii: "?") {
            queryEnd = pathEnd + 1
            while queryEnd < u.count, u[queryEnd] != UInt8(ascii: "#") { queryEnd += 1 }
        }

        scheme = String(decoding: u[0..<colon].map(SigV4Request.asciiLower), as: UTF8.self)
        authority = String(decoding: u[hostStart..<authorityEnd], as: UTF8.self)
        path = String(decoding: u[authorityEnd..<pathEnd], as: UTF8.self)
        query = pathEnd < queryEnd ? String(decoding: u[(pathEnd + 1)..<queryEnd], as: UTF8.self) : ""

        // Host and port: an IPv6 literal keeps its brackets; the port is dropped when it is the default.
        let hostPort = u[hostStart..<authorityEnd]
        var portStart: Int? = nil
        if hostPort.first == UInt8(ascii: "[") {
            if let close = hostPort.firstIndex(of: UInt8(ascii: "]")), close + 1 < authorityEnd,
               u[close + 1] == UInt8(ascii: ":") { portStart = close + 2 }
        } else if let c = hostPort.lastIndex(of: UInt8(ascii: ":")) {
            portStart = c + 1
        }
        let hostEnd = portStart.map { $0 - 1 } ?? authorityEnd
        let host = String(decoding: u[hostStart..<hostEnd].map(SigV4Request.asciiLower), as: UTF8.self)
        let port = portStart.map { String(decoding: u[$0..<authorityEnd], as: UTF8.self) } ?? ""
        let isDefaultPort = port.isEmpty || (scheme == "http" && port == "80") || (scheme == "https" && port == "443")
        hostHeader = isDefaultPort ? host : host + ":" + port
    }
}
