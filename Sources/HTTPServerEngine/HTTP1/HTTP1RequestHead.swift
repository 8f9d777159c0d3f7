/// How the body after a request head is framed (RFC 9112 §6).
enum HTTP1BodyFraming: Sendable, Equatable {
    case none
    case length(Int)
    case chunked
}

/// A request's head — request line and header fields — parsed once from the bytes before the blank line.
///
/// Names are lower-cased (what `APIRequest` wants); a field sent twice is joined with ", " (RFC 9110 §5.3).
/// The path stays percent-encoded, as `APIRequest.path` promises and in-process tests send it: the router decodes
/// each segment itself, so decoding here would decode twice. Dot segments are removed, as FlyingFox did.
struct HTTP1RequestHead: Sendable {
    enum Version: Sendable, Equatable { case http10, http11 }

    var method: String
    var path: String
    var query: [String: String]
    var version: Version
    var headers: [String: String]
    var framing: HTTP1BodyFraming
    /// The connection may serve another request after this one (HTTP/1.1 unless `close`; HTTP/1.0 only with
    /// `keep-alive`).
    var keepAlive: Bool
    /// The client waits for `100 Continue` before sending the body.
    var expectsContinue: Bool
}

/// Where each part of a head lies in its bytes, as RFC 9112's grammar reads it (§3 request-line, §5 field-line),
/// before the server interprets anything. Tests hold it to an independent reading of the grammar.
struct HTTP1HeadLayout: Sendable {
    struct Field: Sendable, Equatable {
        var name: Range<Int>
        /// Without the optional whitespace around it.
        var value: Range<Int>
    }
    var method: Range<Int>
    var target: Range<Int>
    /// The two digits of `HTTP/d.d`.
    var major: UInt8
    var minor: UInt8
    var fields: [Field]
}

/// The byte-level parser: one pass over the head, no per-byte async iteration, no Foundation string trimming.
enum HTTP1HeadParser {
    /// The methods this server recognises (RFC 9110 §9, PATCH from RFC 5789 and QUERY from the HTTP working group's
    /// safe-method-with-body draft, which clients such as schemathesis already send). A recognised method reaches the
    /// router, which answers 405 with `Allow` where a resource has no such route. Methods are case-sensitive: `get`
    /// is not `GET`, and a rule written for `DELETE` must not be walked around with `delete`. Anything else is 501.
    static let recognisedMethods: Set<String> = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY",
    ]

    /// `head` is everything before the terminating CRLF CRLF (leading empty lines already skipped).
    /// More than `maxFields` field lines is 431.
    static func parse(_ head: UnsafeRawBufferPointer, maxFields: Int = 100) throws(APIProblem) -> HTTP1RequestHead {
        let bytes = head.bindMemory(to: UInt8.self)
        let layout = try self.layout(head, maxFields: maxFields)
        // A version we do not speak may have a grammar we do not know either: say so before anything else.
        guard layout.major == UInt8(ascii: "1") else { throw .versionNotSupported }
        let version: HTTP1RequestHead.Version = layout.minor == UInt8(ascii: "0") ? .http10 : .http11
        let (path, query) = try parseTarget(UnsafeBufferPointer(rebasing: bytes[layout.target]))
        var request = HTTP1RequestHead(
            method: String(decoding: bytes[layout.method], as: UTF8.self),
            path: path,
            query: query,
            version: version,
            headers: [:],
            framing: .none,
            keepAlive: version == .http11,
            expectsContinue: false
        )
        var hostFields = 0
        for field in layout.fields {
            let name = bytes[field.name]
            let lowered = String(unsafeUninitializedCapacity: name.count) { buffer in
                for (offset, byte) in name.enumerated() { buffer[offset] = byte.asciiLowercased }
                return name.count
            }
            if lowered == "host" { hostFields += 1 }
            let text = String(decoding: bytes[field.value], as: UTF8.self)
            if let earlier = request.headers[lowered] {
                request.headers[lowered] = earlier + ", " + text
            } else {
                request.headers[lowered] = text
            }
        }
        // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, and for any request with more than one (two
        // hosts are two ways for a proxy and this server to disagree about whom the request is for).
        if hostFields > 1 { throw .malformedRequest("the request has \(hostFields) Host fields; send exactly one") }
        if hostFields == 0, version == .http11 { throw .malformedRequest("an HTTP/1.1 request must have a Host field") }
        if let host = request.headers["host"], !isValidHost(host.utf8) {
            throw .malformedRequest("the Host field is not a host[:port]")
        }
        guard recognisedMethods.contains(request.method) else { throw .methodNotImplemented(request.method) }
        try interpretFields(&request)
        return request
    }

    // MARK: Grammar

    /// The request line and field lines, each checked against the grammar: lines end in CRLF (a bare LF or a bare
    /// CR is an error, RFC 9112 §2.2: treating them as line ends is how a proxy and a server come to disagree about
    /// where a request stops), the method is a token, the target is visible ASCII (see below), the version is
    /// `HTTP/d.d`, a field is `token ":" OWS value OWS` with no obsolete line folding.
    static func layout(_ head: UnsafeRawBufferPointer, maxFields: Int) throws(APIProblem) -> HTTP1HeadLayout {
        let bytes = head.bindMemory(to: UInt8.self)
        let lineEnd = try bytes.lineEnd(from: 0)
        var layout = try layoutRequestLine(bytes, end: lineEnd)
        var start = lineEnd + 2
        while start < bytes.count {
            let end = try bytes.lineEnd(from: start)
            guard layout.fields.count < maxFields else { throw .tooManyFields(limit: maxFields) }
            layout.fields.append(try fieldLine(bytes, start..<end))
            start = end + 2
        }
        // The head handed in stops before its blank line, so a CRLF at its very end would begin an empty field line.
        if start == bytes.count { throw .malformedRequest("an empty line inside the head") }
        return layout
    }

    private static func layoutRequestLine(
        _ bytes: UnsafeBufferPointer<UInt8>,
        end: Int
    ) throws(APIProblem) -> HTTP1HeadLayout {
        let line = bytes[0..<end]
        guard let firstSpace = line.firstIndex(of: .space), firstSpace > 0 else {
            throw .malformedRequest("the request line must be METHOD SP target SP HTTP-version")
        }
        guard line[0..<firstSpace].allSatisfy(\.isTokenCharacter) else {
            throw .malformedRequest("the method is not a token")
        }
        guard let secondSpace = line[(firstSpace + 1)...].firstIndex(of: .space), secondSpace > firstSpace + 1 else {
            throw .malformedRequest("the request line must be METHOD SP target SP HTTP-version")
        }
        // Visible ASCII rather than RFC 3986's narrower set: browsers send `|`, `{`, `^` unencoded in paths and
        // queries, and refusing them would refuse real clients; what the router matches is decoded per segment.
        guard line[(firstSpace + 1)..<secondSpace].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .malformedRequest(
                "the request target holds spaces, control characters or raw non-ASCII bytes; percent-encode them"
            )
        }
        let version = line[(secondSpace + 1)...]
        guard version.count == 8, version.starts(with: "HTTP/".utf8), version[secondSpace + 7] == UInt8(ascii: "."),
            version[secondSpace + 6].isDigit, version[secondSpace + 8].isDigit
        else {
            throw .malformedRequest("the request line must end with an HTTP version such as HTTP/1.1")
        }
        return HTTP1HeadLayout(
            method: 0..<firstSpace,
            target: (firstSpace + 1)..<secondSpace,
            major: version[secondSpace + 6],
            minor: version[secondSpace + 8],
            fields: []
        )
    }

    /// `field-name ":" OWS field-value OWS` (RFC 9112 §5), for head fields and chunked trailers alike.
    static func fieldLine(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ line: Range<Int>
    ) throws(APIProblem) -> HTTP1HeadLayout.Field {
        guard !line.isEmpty else { throw .malformedRequest("an empty header line") }
        let first = bytes[line.lowerBound]
        if first == .space || first == .tab {
            throw .malformedRequest("obsolete line folding (a header line starting with whitespace) is not accepted")
        }
        guard let colon = bytes[line].firstIndex(of: UInt8(ascii: ":")), colon > line.lowerBound else {
            throw .malformedRequest("a header line has no name or no colon")
        }
        guard bytes[line.lowerBound..<colon].allSatisfy(\.isTokenCharacter) else {
            throw .malformedRequest("a header name holds characters a token cannot (whitespace before the colon?)")
        }
        var valueStart = colon + 1, valueEnd = line.upperBound
        while valueStart < valueEnd, bytes[valueStart].isWhitespace { valueStart += 1 }
        while valueEnd > valueStart, bytes[valueEnd - 1].isWhitespace { valueEnd -= 1 }
        guard bytes[valueStart..<valueEnd].allSatisfy(\.isFieldValueCharacter) else {
            throw .malformedRequest("a header value holds control characters")
        }
        return HTTP1HeadLayout.Field(name: line.lowerBound..<colon, value: valueStart..<valueEnd)
    }

    /// `uri-host [":" port]` (RFC 9112 §3.2, RFC 3986 §3.2.2), or empty: reg-name characters, an IP literal in
    /// brackets, digits after the last colon.
    static func isValidHost(_ host: String.UTF8View) -> Bool {
        let bytes = Array(host)
        var hostEnd = bytes.count
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return false }
            guard bytes[1..<close].allSatisfy({ $0.isHexDigit || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { return false }
            hostEnd = close + 1
        } else {
            if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) { hostEnd = colon }
            guard bytes[..<hostEnd].allSatisfy(\.isRegNameCharacter) else { return false }
        }
        guard hostEnd < bytes.count else { return true }
        return bytes[hostEnd] == UInt8(ascii: ":") && bytes[(hostEnd + 1)...].allSatisfy(\.isDigit)
    }

    /// Origin form (`/path?query`), absolute form (`http://host/path`, which servers must accept) or `*`.
    private static func parseTarget(
        _ target: UnsafeBufferPointer<UInt8>
    ) throws(APIProblem) -> (String, [String: String]) {
        var pathStart = 0
        if target.first != .slash {
            if target.count == 1, target[0] == UInt8(ascii: "*") { return ("*", [:]) }
            guard let scheme = target.firstRange(of: Array("://".utf8)) else {
                throw .malformedRequest("the request target must be an absolute path such as /v1/lectures")
            }
            pathStart =
                target[scheme.upperBound...].firstIndex(where: { $0 == .slash || $0 == .questionMark }) ?? target.count
        }
        let queryStart = target[pathStart...].firstIndex(of: .questionMark) ?? target.count
        let rawPath = UnsafeBufferPointer(rebasing: target[pathStart..<queryStart])
        let path = rawPath.isEmpty ? "/" : removingDotSegments(rawPath)
        guard queryStart < target.count else { return (path, [:]) }
        return (path, parseQuery(UnsafeBufferPointer(rebasing: target[(queryStart + 1)...])))
    }

    /// `a=1&b=%20x`: names and values percent-decoded (`+` stays `+`, as FlyingFox's URLComponents left it); a name
    /// sent twice keeps its last value; a name without `=` has the value "".
    static func parseQuery(_ query: UnsafeBufferPointer<UInt8>) -> [String: String] {
        var items: [String: String] = [:]
        for piece in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = piece.firstIndex(of: UInt8(ascii: "=")) ?? piece.endIndex
            let name = PercentDecoding.decode(piece[piece.startIndex..<equals])
            let value = equals < piece.endIndex ? PercentDecoding.decode(piece[(equals + 1)...]) : ""
            items[name] = value
        }
        return items
    }

    /// RFC 3986 §5.2.4 on the still-encoded path: `/a/./b/../c` is `/a/c`; a path cannot climb above `/`.
    static func removingDotSegments(_ path: UnsafeBufferPointer<UInt8>) -> String {
        guard path.contains(UInt8(ascii: ".")) else { return String(decoding: path, as: UTF8.self) }
        var output: [ArraySlice<UInt8>] = []
        let segments = path.split(separator: .slash, omittingEmptySubsequences: false).dropFirst()
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            if segment.elementsEqual(".".utf8) {
                if isLast { output.append([]) }
            } else if segment.elementsEqual("..".utf8) {
                _ = output.popLast()
                if isLast { output.append([]) }
            } else {
                output.append(ArraySlice(segment))
            }
        }
        var result: [UInt8] = []
        result.reserveCapacity(path.count)
        for segment in output {
            result.append(.slash)
            result.append(contentsOf: segment)
        }
        return result.isEmpty ? "/" : String(decoding: result, as: UTF8.self)
    }

    /// The fields the server itself acts on: body framing, persistence, `Expect`.
    private static func interpretFields(_ request: inout HTTP1RequestHead) throws(APIProblem) {
        let contentLength = request.headers["content-length"]
        if let coding = request.headers["transfer-encoding"] {
            // RFC 9112 §6.1: both at once is how request smuggling starts; refuse it.
            guard contentLength == nil else {
                throw .malformedRequest("send Content-Length or Transfer-Encoding, not both")
            }
            guard coding.trimmed.lowercased() == "chunked" else { throw .transferCodingNotImplemented(coding) }
            request.framing = .chunked
        } else if let contentLength {
            request.framing = .length(try parseContentLength(contentLength))
        }
        if let connection = request.headers["connection"] {
            let options = connection.lowercased().split(separator: ",").map(\.trimmed)
            if options.contains("close") {
                request.keepAlive = false
            } else if request.version == .http10, options.contains("keep-alive") {
                request.keepAlive = true
            }
        }
        // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 request means its framing cannot be trusted (1.0 has no
        // chunked coding; something between may have rewritten the message): answer it, then close.
        if request.version == .http10, request.framing == .chunked { request.keepAlive = false }
        if let expect = request.headers["expect"], request.version == .http11 {
            guard expect.trimmed.lowercased() == "100-continue" else { throw .expectationFailed(expect) }
            request.expectsContinue = true
        }
    }

    /// Digits only; a list of identical values (a proxy merging duplicates) is one value, differing ones are an error.
    static func parseContentLength(_ text: String) throws(APIProblem) -> Int {
        var length: Int?
        for piece in text.split(separator: ",", omittingEmptySubsequences: false) {
            let digits = piece.trimmed.utf8
            guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy(\.isDigit), let value = Int(piece.trimmed)
            else {
                throw .malformedRequest("Content-Length must be a non-negative whole number, not '\(text)'")
            }
            guard length == nil || length == value else {
                throw .malformedRequest("the request has conflicting Content-Length values")
            }
            length = value
        }
        return length ?? 0
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Index of the next `\r\n` at or after `start`, or nil if there is none yet; a bare LF before it is nil too.
    func firstCRLF(from start: Int) -> Int? {
        var index = start
        while index + 1 < count {
            if self[index] == .carriageReturn {
                if self[index + 1] == .lineFeed { return index }
            } else if self[index] == .lineFeed {
                return nil
            }
            index += 1
        }
        return nil
    }

    /// The end of the line starting at `start` in a complete head: the next CRLF, or the end of the bytes. A LF
    /// without its CR, or a CR without its LF, is an error (RFC 9112 §2.2).
    func lineEnd(from start: Int) throws(APIProblem) -> Int {
        var index = start
        while index < count {
            switch self[index] {
            case .carriageReturn:
                guard index + 1 < count, self[index + 1] == .lineFeed else {
                    throw .malformedRequest("a bare CR in the head")
                }
                return index
            case .lineFeed:
                throw .malformedRequest("a line ends in a bare LF; HTTP lines end in CRLF")
            default:
                index += 1
            }
        }
        return count
    }
}

extension UInt8 {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let carriageReturn = UInt8(ascii: "\r")
    static let lineFeed = UInt8(ascii: "\n")
    static let slash = UInt8(ascii: "/")
    static let questionMark = UInt8(ascii: "?")

    var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    var isHexDigit: Bool { PercentDecoding.hexValue(self) != nil }
    /// RFC 3986 reg-name: unreserved, sub-delims, and `%` of pct-encoded.
    var isRegNameCharacter: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"),
            UInt8(ascii: "!"),
            UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: "*"),
            UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            true
        default:
            false
        }
    }
    var isWhitespace: Bool { self == .space || self == .tab }
    var asciiLowercased: UInt8 { self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self | 0x20 : self }

    /// RFC 9110 §5.6.2 tchar.
    var isTokenCharacter: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"),
            UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// Visible ASCII, space, tab and obs-text (bytes ≥ 0x80); no other control characters.
    var isFieldValueCharacter: Bool { self >= 0x20 ? self != 0x7F : self == .tab }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (OWS).
    var trimmed: Substring {
        guard let first = firstIndex(where: { $0 != " " && $0 != "\t" }) else { return self[endIndex...] }
        let last = lastIndex(where: { $0 != " " && $0 != "\t" })!
        return self[first...last]
    }
}

extension String {
    var trimmed: Substring { self[...].trimmed }
}
