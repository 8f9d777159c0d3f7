#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The canonical headers block (`name:value\n` per header) and the signed-headers list (`a;b;c`).
struct CanonicalHeaders {
    var block: [UInt8] = []
    var signedNames: [UInt8] = []

    /// Headers a proxy or the HTTP client may change or drop on the way; signing them would break the
    /// signature (botocore's list).
    static func isUnsignable(_ lowercasedName: [UInt8]) -> Bool {
        lowercasedName.withUnsafeBufferPointer { name in
            unsignable.contains { candidate in
                candidate.utf8CodeUnitCount == name.count
                    && memcmp(candidate.utf8Start, name.baseAddress!, name.count) == 0
            }
        }
    }

    private static let unsignable: [StaticString] = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id", "authorization",
    ]

    /// Lower-cased names sorted bytewise; repeated names joined with `,` in their original order; values
    /// trimmed, with every run of whitespace (including folded line breaks) turned into one space.
    init(_ headers: some Sequence<(name: String, value: String)>) {
        var entries: [(name: [UInt8], value: String, position: Int)] = []
        for (position, header) in headers.enumerated() {
            var name: [UInt8] = []
            name.reserveCapacity(header.name.utf8.count)
            for byte in header.name.utf8 where !Self.isWhitespace(byte) {
                name.append(SigV4Request.asciiLower(byte))
            }
            if Self.isUnsignable(name) { continue }
            entries.append((name, header.value, position))
        }
        entries.sort { $0.name != $1.name ? $0.name.lexicographicallyPrecedes($1.name) : $0.position < $1.position }

        var previous: [UInt8]? = nil
        for entry in entries {
            if entry.name == previous {
                block.append(UInt8(ascii: ","))
            } else {
                if previous != nil {
                    block.append(UInt8(ascii: "\n"))
                    signedNames.append(UInt8(ascii: ";"))
                }
                block.append(contentsOf: entry.name)
                block.append(UInt8(ascii: ":"))
                signedNames.append(contentsOf: entry.name)
                previous = entry.name
            }
            Self.appendFolded(entry.value, to: &block)
        }
        if previous != nil { block.append(UInt8(ascii: "\n")) }
    }

    /// The signed-headers list of a presigned URL without headers of the caller's (its canonical request gets
    /// `host:` written in directly).
    static let hostOnly: [UInt8] = Array("host".utf8)

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    static func appendFolded(_ value: String, to out: inout [UInt8]) {
        var pendingSpace = false
        var wroteAny = false
        for byte in value.utf8 {
            if isWhitespace(byte) {
                pendingSpace = wroteAny
                continue
            }
            if pendingSpace { out.append(UInt8(ascii: " ")) }
            pendingSpace = false
            wroteAny = true
            out.append(byte)
        }
    }
}
