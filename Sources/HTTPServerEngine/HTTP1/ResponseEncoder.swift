import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Serialises an `APIResponse` — status line, headers and body — into one buffer, so the answer leaves in one
/// `send` (one segment for small answers: no Nagle or delayed-ACK interplay between a head and a body write).
enum ResponseEncoder {
    enum Persistence {
        /// HTTP/1.1 keep-alive: nothing to say.
        case keepAlive
        /// An HTTP/1.0 client asked for keep-alive and gets it: say so.
        case keepAliveHTTP10
        /// `Connection: close`, then the server closes.
        case close
    }

    /// The server owns the framing: the application's own values for these are dropped.
    private static let framingHeaders: Set<String> = ["content-length", "transfer-encoding", "connection"]

    /// `date`: the `Date` field's value (RFC 9110 §6.6.1: an origin server with a clock sends one), unless the
    /// application set its own.
    static func encode(_ response: APIResponse, persistence: Persistence, date: [UInt8] = HTTPDate.current()) -> [UInt8]
    {
        // 1xx, 204 and 304 answers have no body, and no Content-Length: 1xx/204 must not carry one, and a 304's
        // would have to be the length of the 200 it stands for, which the application did not give (RFC 9110 §8.6).
        let bodyless = response.status < 200 || response.status == 204 || response.status == 304
        let body = bodyless ? Data() : response.body
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128 + response.headers.count * 48 + body.count)
        bytes.append(
            contentsOf: "HTTP/1.1 \(response.status) \(HTTPReasonPhrase.phrase(for: response.status))\r\n".utf8
        )
        var hasDate = false
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) {
            let lowered = name.lowercased()
            if framingHeaders.contains(lowered) { continue }
            if lowered == "date" { hasDate = true }
            appendField(name, value, to: &bytes)
        }
        if !hasDate {
            bytes.append(contentsOf: "Date: ".utf8)
            bytes.append(contentsOf: date)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        if !bodyless {
            bytes.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
        }
        switch persistence {
        case .keepAlive: break
        case .keepAliveHTTP10: bytes.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        case .close: bytes.append(contentsOf: "Connection: close\r\n".utf8)
        }
        bytes.append(contentsOf: "\r\n".utf8)
        bytes.append(contentsOf: body)
        return bytes
    }

    /// The interim answer to `Expect: 100-continue`.
    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// A CR or LF in a value (a file name, an echoed input) would split the head: they become spaces.
    private static func appendField(_ name: String, _ value: String, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(.space)
        for byte in value.utf8 {
            bytes.append(byte == .carriageReturn || byte == .lineFeed || byte == 0 ? .space : byte)
        }
        bytes.append(.carriageReturn)
        bytes.append(.lineFeed)
    }
}

/// HTTP's date format (RFC 9110 §5.6.7 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`), formatted once per second
/// however many answers go out in it.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: [UInt8])>((-1, []))

    static func current() -> [UInt8] {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = now.tv_sec
        if let cached = cache.withLock({ $0.second == second ? $0.text : nil }) { return cached }
        let text = format(epochSeconds: second)
        cache.withLock { $0 = (second, text) }
        return text
    }

    static func format(epochSeconds: Int) -> [UInt8] {
        var seconds = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let text =
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        return Array(text.utf8)
    }
}
