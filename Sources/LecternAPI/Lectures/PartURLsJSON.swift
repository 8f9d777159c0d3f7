import Foundation

/// A presigned part URL as the signer wrote it.
struct PartURLText: Sendable, Equatable {
    var partNumber: Int
    var url: String
}

extension UploadPlan.PartURL {
    init(_ part: PartURLText) throws {
        guard let url = URL(string: part.url) else {
            throw APIProblem.internalError
        }
        self.init(partNumber: part.partNumber, url: url)
    }
}

extension PartURLsResponse {
    /// The batch answer (the call an uploader makes most) written directly: the bytes `APIJSON.encode` gives for
    /// `PartURLsResponse` (keys sorted: expiresAt, parts; partNumber, url), without a `URL` per link or
    /// `JSONEncoder`'s boxing. `PartURLsJSONTests` holds the two byte for byte.
    static func json(parts: [PartURLText], expiresAt: Date) -> Data {
        var writer = JSONWriter(capacity: 48 + parts.reduce(0) { $0 + $1.url.utf8.count + 40 })
        writer.raw(#"{"expiresAt":"#)
        writer.date(expiresAt)
        writer.raw(#","parts":["#)
        for (index, part) in parts.enumerated() {
            writer.raw(index == 0 ? #"{"partNumber":"# : #",{"partNumber":"#)
            writer.int(part.partNumber)
            writer.raw(#","url":"#)
            writer.string(part.url)
            writer.raw("}")
        }
        writer.raw("]}")
        return writer.data
    }
}

extension PartURLsRequest {
    /// The body as uploaders send it, `{"partNumbers":[1,2,…]}` (JSON whitespace allowed, plain non-negative
    /// integers of up to 9 digits), read without `JSONDecoder`; nil for anything else (other keys, other
    /// numbers, errors), which `APIJSON.decode` then reads or refuses with its field-naming 400.
    /// `HotPathEncodingTests` checks that every body read here reads the same through `JSONDecoder`.
    static func simpleBody(_ body: Data) -> PartURLsRequest? {
        body.withUnsafeBytes { raw -> PartURLsRequest? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var index = 0
            func skipSpace() {
                while index < bytes.count,
                    bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D
                { index += 1 }
            }
            func expect(_ literal: StaticString) -> Bool {
                skipSpace()
                let text = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
                guard bytes.count - index >= text.count, bytes[index..<(index + text.count)].elementsEqual(text) else {
                    return false
                }
                index += text.count
                return true
            }
            func number() -> Int? {
                skipSpace()
                let start = index
                while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                    index += 1
                }
                let digits = index - start
                guard (1...9).contains(digits), digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
                return bytes[start..<index].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            }
            guard expect("{"), expect(#""partNumbers""#), expect(":"), expect("[") else { return nil }
            var numbers: [Int] = []
            if !expect("]") {
                repeat {
                    guard let value = number() else { return nil }
                    numbers.append(value)
                } while expect(",")
                guard expect("]") else { return nil }
            }
            guard expect("}") else { return nil }
            skipSpace()
            return index == bytes.count ? PartURLsRequest(partNumbers: numbers) : nil
        }
    }
}
