import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes JSON straight into bytes, in `APIJSON`'s dialect: strings escaped exactly as `JSONEncoder` escapes them
/// (`"`, `\`, control characters; `/` and non-ASCII left as they are), whole-second ISO 8601 UTC dates. For the
/// answers served most often, where `JSONEncoder`'s boxing of every value cost more than the work behind them; the
/// caller writes keys in sorted order and tests hold the result to `APIJSON.encode` byte for byte.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    var data: Data { Data(bytes) }

    /// Punctuation and keys, as written.
    mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func int(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            bytes.append(UInt8(ascii: "\""))
            // Most strings (every presigned URL) need no escape: copied in one go.
            if !Self.anyNeedsEscape(utf8) {
                bytes.append(contentsOf: utf8)
            } else {
                for byte in utf8 { escaped(byte) }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    private mutating func escaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): raw(#"\""#)
        case UInt8(ascii: "\\"): raw(#"\\"#)
        case 0x08: raw(#"\b"#)
        case 0x0C: raw(#"\f"#)
        case 0x0A: raw(#"\n"#)
        case 0x0D: raw(#"\r"#)
        case 0x09: raw(#"\t"#)
        case 0..<0x20:
            raw(#"\u00"#)
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0xF)])
        default: bytes.append(byte)
        }
    }

    /// `"2026-11-25T17:52:42Z"`: seconds rounded down, as `JSONEncoder`'s `.iso8601` strategy writes them (years
    /// 1000…9999, which every date we write, now plus a link's lifetime, is in).
    mutating func date(_ value: Date) {
        var seconds = time_t(value.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        bytes.append(UInt8(ascii: "\""))
        digits(Int(parts.tm_year) + 1900, count: 4)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, count: 2)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), count: 2)
        bytes.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), count: 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), count: 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), count: 2)
        raw("Z\"")
    }

    private mutating func digits(_ value: Int, count: Int) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// `contains(where: needsEscape)` as a loop that ORs the tests of every byte, without a branch or an early exit
    /// per byte, which the compiler can vectorise (a part batch's ten URLs are 6 kB scanned per answer).
    private static func anyNeedsEscape(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var hits: UInt8 = 0
        for byte in bytes {
            hits |= (byte < 0x20 ? 1 : 0) | (byte == UInt8(ascii: "\"") ? 1 : 0) | (byte == UInt8(ascii: "\\") ? 1 : 0)
        }
        return hits != 0
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
