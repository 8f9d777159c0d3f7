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
    /// The connection may serve another request after this one (HTTP/1.1 unless `close`; HTTP/1.0 only with `keep-alive`).
    var keepAlive: Bool
    /// The client waits for `100 Continue` before sending the body.
    var expectsContinue: Bool
}

/// The byte-level parser: one pass over the head, no per-byte async iteration, no Foundation string trimming.
enum HTTP1HeadParser {
    /// `head` is everything before the terminating CRLF CRLF (leading empty lines already skipped).
    static func parse(_ head: UnsafeRawBufferPointer) throws(APIProblem) -> HTTP1RequestHead {
        let bytes = head.bindMemory(to: UInt8.self)
        let lineEnd = bytes.firstCRLF(from: 0) ?? bytes.count
        var request = try parseRequestLine(UnsafeBufferPointer(rebasing: bytes[0..<lineEnd]))

        var start = lineEnd + 2
        while start < bytes.count {
            let end = bytes.firstCRLF(from: start) ?? bytes.count
            try parseField(UnsafeBufferPointer(rebasing: bytes[start..<end]), into: &request.headers, path: request.path)
            start = end + 2
        }
        try interpretFields(&request)
        return request
    }

    // MARK: Request line

    private static func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) throws(APIProblem) -> HTTP1RequestHead {
        guard let firstSpace = line.firstIndex(of: .space), firstSpace > 0 else {
            throw .malformedRequest("the request line must be METHOD SP target SP HTTP-version")
        }
        let method = line[0..<firstSpace]
        guard method.allSatisfy(\.isTokenCharacter) else { throw .malformedRequest("the method is not a token") }
        let rest = UnsafeBufferPointer(rebasing: line[(firstSpace + 1)...])
        guard let secondSpace = rest.firstIndex(of: .space), secondSpace > 0 else {
            throw .malformedRequest("the request line must be METHOD SP target SP HTTP-version")
        }
        let target = UnsafeBufferPointer(rebasing: rest[0..<secondSpace])
        let version = try parseVersion(UnsafeBufferPointer(rebasing: rest[(secondSpace + 1)...]))
        guard target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .malformedRequest("the request target holds spaces, control characters or raw non-ASCII bytes; percent-encode them")
        }
        let (path, query) = try parseTarget(target)
        return HTTP1RequestHead(method: String(decoding: method, as: UTF8.self), path: path, query: query, version: version,
                                headers: [:], framing: .none, keepAlive: version == .http11, expectsContinue: false)
    }

    private static func parseVersion(_ text: UnsafeBufferPointer<UInt8>) throws(APIProblem) -> HTTP1RequestHead.Version {
        guard text.count == 8, text.starts(with: "HTTP/".utf8), text[6] == UInt8(ascii: "."),
              text[5].isDigit, text[7].isDigit else {
            throw .malformedRequest("the request line must end with an HTTP version such as HTTP/1.1")
        }
        guard text[5] == UInt8(ascii: "1") else { throw .versionNotSupported }
        return text[7] == UInt8(ascii: "0") ? .http10 : .http11
    }

    /// Origin form (`/path?query`), absolute form (`http://host/path`, which servers must accept) or `*`.
    private static func parseTarget(_ target: UnsafeBufferPointer<UInt8>) throws(APIProblem) -> (String, [String: String]) {
        var pathStart = 0
        if target.first != .slash {
            if target.count == 1, target[0] == UInt8(ascii: "*") { return ("*", [:]) }
            guard let scheme = target.firstRange(of: Array("://".utf8)) else {
                throw .malformedRequest("the request target must be an absolute path such as /v1/lectures")
            }
            pathStart = target[scheme.upperBound...].firstIndex(where: { $0 == .slash || $0 == .questionMark }) ?? target.count
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
        for segment in output { result.append(.slash); result.append(contentsOf: segment) }
        return result.isEmpty ? "/" : String(decoding: result, as: UTF8.self)
    }

    // MARK: Header fields

    private static func parseField(_ line: UnsafeBufferPointer<UInt8>, into headers: inout [String: String], path: String) throws(APIProblem) {
        guard let first = line.first else { return }
        if first == .space || first == .tab {
            throw .malformedRequest("obsolete line folding (a header line starting with whitespace) is not accepted")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
            throw .malformedRequest("a header line has no name or no colon")
        }
        let name = line[0..<colon]
        guard name.allSatisfy(\.isTokenCharacter) else {
            throw .malformedRequest("a header name holds characters a token cannot (whitespace before the colon?)")
        }
        var valueStart = colon + 1, valueEnd = line.count
        while valueStart < valueEnd, line[valueStart].isWhitespace { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1].isWhitespace { valueEnd -= 1 }
        let value = line[valueStart..<valueEnd]
        guard value.allSatisfy(\.isFieldValueCharacter) else {
            throw .malformedRequest("a header value holds control characters")
        }
        let lowered = String(unsafeUninitializedCapacity: name.count) { buffer in
            for (offset, byte) in name.enumerated() { buffer[offset] = byte.asciiLowercased }
            return name.count
        }
        let text = String(decoding: value, as: UTF8.self)
        if let earlier = headers[lowered] {
            headers[lowered] = earlier + ", " + text
        } else {
            headers[lowered] = text
        }
    }

    /// The fields the server itself acts on: body framing, persistence, `Expect`.
    private static func interpretFields(_ request: inout HTTP1RequestHead) throws(APIProblem) {
        let contentLength = request.headers["content-length"]
        if let coding = request.headers["transfer-encoding"] {
            // RFC 9112 §6.1: both at once is how request smuggling starts; refuse it.
            guard contentLength == nil else { throw .malformedRequest("send Content-Length or Transfer-Encoding, not both") }
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
            guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy(\.isDigit), let value = Int(piece.trimmed) else {
                throw .malformedRequest("Content-Length must be a non-negative whole number, not '\(text)'")
            }
            guard length == nil || length == value else { throw .malformedRequest("the request has conflicting Content-Length values") }
            length = value
        }
        return length ?? 0
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Index of the next `\r\n` at or after `start`.
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
}

extension UInt8 {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let carriageReturn = UInt8(ascii: "\r")
    static let lineFeed = UInt8(ascii: "\n")
    static let slash = UInt8(ascii: "/")
    static let questionMark = UInt8(ascii: "?")

    var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    var isWhitespace: Bool { self == .space || self == .tab }
    var asciiLowercased: UInt8 { self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self | 0x20 : self }

    /// RFC 9110 §5.6.2 tchar.
    var isTokenCharacter: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
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
