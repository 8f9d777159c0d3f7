import Foundation

/// Decodes a `Transfer-Encoding: chunked` body (RFC 9112 §7.1) incrementally from whatever bytes have arrived.
///
/// Each call consumes what it can and says how many bytes that was; a size line or trailer line that is not complete
/// yet is left in the buffer for the next call. The body limit is checked against each chunk's declared size, so an
/// oversized body is refused before its bytes are read.
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
    private(set) var state = State.size
    private(set) var body = Data()
    private var trailerBytes = 0

    init(limit: Int, maxLineBytes: Int) {
        self.limit = limit
        self.maxLineBytes = maxLineBytes
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
                let size = try Self.parseSize(UnsafeBufferPointer(rebasing: bytes[offset..<end]))
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
        if bytes.count - offset > maxLineBytes { throw .malformedRequest("a chunk size line is longer than \(maxLineBytes) bytes") }
    }

    /// Hex digits, then optional `;extensions` (ignored).
    static func parseSize(_ line: UnsafeBufferPointer<UInt8>) throws(APIProblem) -> Int {
        var size = 0, digits = 0
        for byte in line {
            if let value = PercentDecoding.hexValue(byte) {
                guard digits < 15 else { throw .malformedRequest("a chunk size is too large") }
                size = size << 4 | Int(value)
                digits += 1
            } else if byte == UInt8(ascii: ";") || byte.isWhitespace {
                break
            } else {
                throw .malformedRequest("a chunk size is not hexadecimal")
            }
        }
        guard digits > 0 else { throw .malformedRequest("a chunk has no size") }
        return size
    }
}
