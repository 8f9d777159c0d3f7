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
        try self.init(method: method, urlString: url.absoluteString, headers: headers)
    }

    /// The same from text the caller built as a URL (`scheme://host/path?query`, path and query already
    /// percent-encoded): what a URL's `absoluteString` would be, without parsing and printing a Foundation `URL`.
    public init(method: String, urlString text: String, headers: HeaderFields = []) throws(SigV4Error) {
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

/// `scheme://[userinfo@]authority/path?query#fragment`, split on the UTF-8 bytes without copying them.
struct URLTextParts {
    var scheme: String
    var authority: String
    var hostHeader: String
    var path: String
    var query: String

    init?(_ text: String) {
        var text = text
        guard let parts = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = parts
    }

    private init(scheme: String, authority: String, hostHeader: String, path: String, query: String) {
        self.scheme = scheme
        self.authority = authority
        self.hostHeader = hostHeader
        self.path = path
        self.query = query
    }

    private static func parse(_ u: UnsafeBufferPointer<UInt8>) -> URLTextParts? {
        guard let colon = u.firstIndex(of: UInt8(ascii: ":")), colon > 0,
            colon + 2 < u.count, u[colon + 1] == UInt8(ascii: "/"), u[colon + 2] == UInt8(ascii: "/")
        else { return nil }
        let authorityStart = colon + 3
        var authorityEnd = authorityStart
        while authorityEnd < u.count, u[authorityEnd] != UInt8(ascii: "/"),
            u[authorityEnd] != UInt8(ascii: "?"), u[authorityEnd] != UInt8(ascii: "#")
        {
            authorityEnd += 1
        }
        var hostStart = authorityStart
        for i in authorityStart..<authorityEnd where u[i] == UInt8(ascii: "@") { hostStart = i + 1 }
        guard hostStart < authorityEnd else { return nil }

        var pathEnd = authorityEnd
        while pathEnd < u.count, u[pathEnd] != UInt8(ascii: "?"), u[pathEnd] != UInt8(ascii: "#") { pathEnd += 1 }
        var queryEnd = pathEnd
        if pathEnd < u.count, u[pathEnd] == UInt8(ascii: "?") {
            queryEnd = pathEnd + 1
            while queryEnd < u.count, u[queryEnd] != UInt8(ascii: "#") { queryEnd += 1 }
        }

        func string(_ range: Range<Int>, lowercased: Bool = false) -> String {
            let slice = UnsafeBufferPointer(rebasing: u[range])
            if lowercased, slice.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
                return String(decoding: slice.map(SigV4Request.asciiLower), as: UTF8.self)
            }
            return String(decoding: slice, as: UTF8.self)
        }

        let scheme = string(0..<colon, lowercased: true)
        let authority = string(hostStart..<authorityEnd)

        // Host and port: an IPv6 literal keeps its brackets; the port is dropped when it is the default.
        var portStart: Int? = nil
        if u[hostStart] == UInt8(ascii: "[") {
            var close = hostStart
            while close < authorityEnd, u[close] != UInt8(ascii: "]") { close += 1 }
            if close + 1 < authorityEnd, u[close + 1] == UInt8(ascii: ":") { portStart = close + 2 }
        } else {
            for i in hostStart..<authorityEnd where u[i] == UInt8(ascii: ":") { portStart = i + 1 }
        }
        let hostEnd = portStart.map { $0 - 1 } ?? authorityEnd
        let port = UnsafeBufferPointer(rebasing: u[(portStart ?? authorityEnd)..<authorityEnd])
        let isDefaultPort =
            port.isEmpty
            || (scheme == "http" && port.elementsEqual("80".utf8))
            || (scheme == "https" && port.elementsEqual("443".utf8))
        let hostHasUpperCase = u[hostStart..<hostEnd].contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        let hostHeader: String
        if !hostHasUpperCase && (portStart == nil || !isDefaultPort) {
            hostHeader = authority  // the usual case: reuse the string, no second allocation
        } else if isDefaultPort {
            hostHeader = string(hostStart..<hostEnd, lowercased: true)
        } else {
            hostHeader = string(hostStart..<hostEnd, lowercased: true) + ":" + string((hostEnd + 1)..<authorityEnd)
        }
        return URLTextParts(
            scheme: scheme,
            authority: authority,
            hostHeader: hostHeader,
            path: string(authorityEnd..<pathEnd),
            query: pathEnd < queryEnd ? string((pathEnd + 1)..<queryEnd) : ""
        )
    }
}
