import Foundation

/// `20150830T123600Z` and its first eight bytes, computed with integer arithmetic: a DateFormatter
/// costs microseconds per call, this costs nanoseconds.
struct SigV4Timestamp: Sendable, Equatable {
    /// `yyyyMMdd'T'HHmmss'Z'` as 16 ASCII bytes, kept inline (no array allocation per signature).
    private var storage: (UInt64, UInt64) = (0, 0)
    /// Whole seconds since 1970 (the fraction of `date` is dropped, as AWS does).
    let secondsSince1970: Int64

    init(_ date: Date) {
        self.init(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    init(secondsSince1970 seconds: Int64) {
        secondsSince1970 = seconds
        let c = CivilTime(secondsSince1970: seconds)
        withUnsafeMutableBytes(of: &storage) { raw in
            let out = raw.bindMemory(to: UInt8.self)
            Self.write(c.year, digits: 4, into: out, at: 0)
            Self.write(c.month, digits: 2, into: out, at: 4)
            Self.write(c.day, digits: 2, into: out, at: 6)
            out[8] = UInt8(ascii: "T")
            Self.write(c.hour, digits: 2, into: out, at: 9)
            Self.write(c.minute, digits: 2, into: out, at: 11)
            Self.write(c.second, digits: 2, into: out, at: 13)
            out[15] = UInt8(ascii: "Z")
        }
    }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.secondsSince1970 == rhs.secondsSince1970 }

    /// The day as one number (the `yyyyMMdd` bytes), for cache keys.
    var day: UInt64 { storage.0 }

    /// Appends `yyyyMMdd'T'HHmmss'Z'`.
    func append(to out: inout [UInt8]) {
        withUnsafeBytes(of: storage) { out.append(contentsOf: $0) }
    }

    /// Appends `yyyyMMdd`, the credential-scope date.
    func appendDateStamp(to out: inout [UInt8]) {
        withUnsafeBytes(of: storage) { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<8])) }
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        append(to: &out)
        return out
    }
    var dateStamp: [UInt8] { Array(bytes[0..<8]) }
    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// `yyyy-MM-dd'T'HH:mm:ss'Z'`, the form S3 POST policies use for `expiration`.
    static func iso8601(secondsSince1970 seconds: Int64) -> String {
        let c = CivilTime(secondsSince1970: seconds)
        let out = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 20)
        defer { out.deallocate() }
        write(c.year, digits: 4, into: out, at: 0)
        out[4] = UInt8(ascii: "-")
        write(c.month, digits: 2, into: out, at: 5)
        out[7] = UInt8(ascii: "-")
        write(c.day, digits: 2, into: out, at: 8)
        out[10] = UInt8(ascii: "T")
        write(c.hour, digits: 2, into: out, at: 11)
        out[13] = UInt8(ascii: ":")
        write(c.minute, digits: 2, into: out, at: 14)
        out[16] = UInt8(ascii: ":")
        write(c.second, digits: 2, into: out, at: 17)
        out[19] = UInt8(ascii: "Z")
        return String(decoding: out, as: UTF8.self)
    }

    private static func write(_ value: Int, digits: Int, into out: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        var v = value
        for i in stride(from: start + digits - 1, through: start, by: -1) {
            out[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
            v /= 10
        }
    }
}

/// Proleptic Gregorian date and time in UTC (Howard Hinnant's days-to-civil algorithm).
private struct CivilTime {
    var year, month, day, hour, minute, second: Int

    init(secondsSince1970 seconds: Int64) {
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60

        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }
}
