import Foundation

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

    static func encode(_ response: APIResponse, persistence: Persistence) -> [UInt8] {
        // 1xx, 204 and 304 answers have no body, and no Content-Length: 1xx/204 must not carry one, and a 304's
        // would have to be the length of the 200 it stands for, which the application did not give (RFC 9110 §8.6).
        let bodyless = response.status < 200 || response.status == 204 || response.status == 304
        let body = bodyless ? Data() : response.body
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128 + response.headers.count * 48 + body.count)
        bytes.append(contentsOf: "HTTP/1.1 \(response.status) \(HTTPReasonPhrase.phrase(for: response.status))\r\n".utf8)
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) where !framingHeaders.contains(name.lowercased()) {
            appendField(name, value, to: &bytes)
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
