import Foundation

/// Decodes a `Transfer-Encoding: chunked` body (RFC 9112 §7.1) incrementally from whatever bytes have arrived.
///
/// Each call consumes what it can and says how many bytes that was; a size line or trailer line that is not complete
/// yet is left in the buffer for the next call. The body limit is checked against each chunk's declared size, so an
/// oversized body is refused before its bytes are read.
///
/// What is not data is held to limits too, complete or not: each size line to `maxLineBytes`, all chunk extensions of
/// the body together to `maxExtensionBytes` (the API ignores them, and 1.6 MB of them once came with 200 bytes of
/// data), the trailer section to `maxLineBytes`. Size lines follow the grammar exactly (RFC 9112 §7.1.1): hex digits,
/// then only `BWS ";" …` extensions: `5 junk` or a bare CR in an extension is a 400.
struct ChunkedBodyDecoder {
    enum State: Equatable {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailer
        case done
    }

    let limit: Int
    /// Longest size line (with extensions) or trailer line accepted.
    let maxLineBytes: Int
    /// All chunk extensions of the body together.
    let maxExtensionBytes: Int
    private(set) var state = State.size
    private(set) var body = Data()
    private var trailerBytes = 0
    private(set) var extensionBytes = 0

    init(limit: Int, maxLineBytes: Int, maxExtensionBytes: Int? = nil) {
        self.limit = limit
        self.maxLineBytes = maxLineBytes
        self.maxExtensionBytes = maxExtensionBytes ?? maxLineBytes
    }

    var isComplete: Bool { state == .done }

    /// Consumes from the front of `bytes`; returns how many were used. Stops at the end of the body, so bytes of a
    /// pipelined next request stay where they are.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(APIProblem) -> Int {
        let bytes = bytes.bindMemory(to: UInt8.self)
        var offset = 0
        while offset < bytes.count {
            switch state {
            case .size:
                guard let end = bytes.firstCRLF(from: offset) else {
                    try checkIncompleteLine(bytes, from: offset)
                    return offset
                }
                guard end - offset <= maxLineBytes else {
                    throw .malformedRequest("a chunk size line is longer than \(maxLineBytes) bytes")
                }
                let (size, extensions) = try Self.parseSizeLine(UnsafeBufferPointer(rebasing: bytes[offset..<end]))
                extensionBytes += extensions
                guard extensionBytes <= maxExtensionBytes else {
                    throw .malformedRequest(
                        "the chunk extensions of this body are longer than \(maxExtensionBytes) bytes in all"
                    )
                }
                guard size <= limit - body.count else { throw .bodyTooLarge(limit: limit) }
                state = size == 0 ? .trailer : .data(remaining: size)
                offset = end + 2
            case .data(let remaining):
                let take = min(remaining, bytes.count - offset)
                body.append(UnsafeBufferPointer(rebasing: bytes[offset..<(offset + take)]))
                offset += take
                state = take == remaining ? .dataEnd : .data(remaining: remaining - take)
            case .dataEnd:
                guard bytes.count - offset >= 2 else { return offset }
                guard bytes[offset] == .carriageReturn, bytes[offset + 1] == .lineFeed else {
                    throw .malformedRequest("a chunk's data is not followed by CRLF")
                }
                state = .size
                offset += 2
            case .trailer:
                // Trailer fields are read and dropped: nothing in the API looks at them.
                guard let end = bytes.firstCRLF(from: offset) else {
                    try checkIncompleteLine(bytes, from: offset)
                    return offset
                }
                trailerBytes += end - offset + 2
                guard trailerBytes <= maxLineBytes else { throw .headTooLarge(limit: maxLineBytes) }
                if end > offset { _ = try HTTP1HeadParser.fieldLine(bytes, offset..<end) }
                state = end == offset ? .done : .trailer
                offset = end + 2
            case .done:
                return offset
            }
        }
        return offset
    }

    /// Takes the decoded body, leaving the decoder empty.
    mutating func takeBody() -> Data {
        defer { body = Data() }
        return body
    }

    private func checkIncompleteLine(_ bytes: UnsafeBufferPointer<UInt8>, from offset: Int) throws(APIProblem) {
        if bytes[offset...].contains(.lineFeed) { throw .malformedRequest("a chunk line ends in a bare LF") }
        let limit = state == .trailer ? maxLineBytes - trailerBytes : maxLineBytes
        if bytes.count - offset > limit {
            if state == .trailer { throw .headTooLarge(limit: maxLineBytes) }
            throw .malformedRequest("a chunk size line is longer than \(maxLineBytes) bytes")
        }
    }

    /// `chunk-size [ chunk-ext ]` without its CRLF: the size, and how many bytes the extensions took.
    /// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), the value a token or quoted-string.
    static func parseSizeLine(_ line: UnsafeBufferPointer<UInt8>) throws(APIProblem) -> (size: Int, extensionBytes: Int)
    {
        var index = 0, size = 0, significant = 0
        while index < line.count, let value = PercentDecoding.hexValue(line[index]) {
            // Leading zeros are not significant; 15 hex digits (2^60) is far above any body limit.
            if size > 0 || value > 0 { significant += 1 }
            guard significant <= 15 else { throw .malformedRequest("a chunk size is too large") }
            size = size << 4 | Int(value)
            index += 1
        }
        guard index > 0 else { throw .malformedRequest("a chunk has no size (hexadecimal digits)") }
        let extensionStart = index
        func skipWhitespace() { while index < line.count, line[index].isWhitespace { index += 1 } }
        func token() -> Bool {
            let start = index
            while index < line.count, line[index].isTokenCharacter { index += 1 }
            return index > start
        }
        while index < line.count {
            skipWhitespace()
            guard index < line.count, line[index] == UInt8(ascii: ";") else {
                throw .malformedRequest("a chunk size may only be followed by ';' extensions")
            }
            index += 1
            skipWhitespace()
            guard token() else { throw .malformedRequest("a chunk extension has no name") }
            let beforeValue = index
            skipWhitespace()
            guard index < line.count, line[index] == UInt8(ascii: "=") else {
                index = beforeValue
                continue
            }
            index += 1
            skipWhitespace()
            if index < line.count, line[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < line.count {
                    let byte = line[index]
                    if byte == UInt8(ascii: "\"") {
                        closed = true
                        index += 1
                        break
                    }
                    if byte == UInt8(ascii: "\\") {
                        guard index + 1 < line.count, line[index + 1].isQuotedPairCharacter else { break }
                        index += 2
                        continue
                    }
                    guard byte.isQuotedTextCharacter else { break }
                    index += 1
                }
                guard closed else {
                    throw .malformedRequest(
                        "a chunk extension's quoted value is not closed or holds control characters"
                    )
                }
            } else {
                guard token() else {
                    throw .malformedRequest("a chunk extension's value is neither a token nor a quoted string")
                }
            }
        }
        return (size, line.count - extensionStart)
    }
}

extension UInt8 {
    /// RFC 9110 §5.6.4 qdtext: HTAB, SP, visible ASCII but `"` and `\`, obs-text.
    var isQuotedTextCharacter: Bool {
        self == .tab || self == .space || self == 0x21 || (0x23...0x5B).contains(self) || (0x5D...0x7E).contains(self)
            || self >= 0x80
    }
    /// What may follow a backslash in a quoted-pair: HTAB, SP, VCHAR, obs-text.
    var isQuotedPairCharacter: Bool { self == .tab || self == .space || (0x21...0x7E).contains(self) || self >= 0x80 }
}
