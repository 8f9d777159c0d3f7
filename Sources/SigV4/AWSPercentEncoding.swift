/// AWS's URI encoding (RFC 3986 unreserved characters kept, every other byte of the UTF-8 as %XX, upper-case hex).
public enum AWSPercentEncoding {
    /// `keepingSlashes: true` for S3 object keys in a path, false for query names and values.
    public static func encode(_ string: String, keepingSlashes: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count + 16)
        append(string.utf8, keepingSlashes: keepingSlashes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes valid `%XX` escapes; a `%` not followed by two hex digits stays a literal `%`.
    /// `+` is left alone: AWS reads it as a plus, not as a space.
    public static func decode(_ string: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        forEachDecodedByte(string.utf8) { out.append($0) }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func upperHex(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble &+ 0x30 : nibble &+ 0x37
    }

    @inline(__always)
    static func appendEncoded(_ byte: UInt8, keepingSlashes: Bool, to out: inout [UInt8]) {
        if isUnreserved(byte) || (keepingSlashes && byte == UInt8(ascii: "/")) {
            out.append(byte)
        } else {
            out.append(UInt8(ascii: "%"))
            out.append(upperHex(byte >> 4))
            out.append(upperHex(byte & 0x0F))
        }
    }

    /// `appendEncoded` (slashes encoded) into a buffer of at least three bytes; returns how many it wrote.
    @inline(__always)
    static func writeEncoded(_ byte: UInt8, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if isUnreserved(byte) {
            out[0] = byte
            return 1
        }
        out[0] = UInt8(ascii: "%")
        out[1] = upperHex(byte >> 4)
        out[2] = upperHex(byte & 0x0F)
        return 3
    }

    static func append(_ bytes: some Sequence<UInt8>, keepingSlashes: Bool, to out: inout [UInt8]) {
        for byte in bytes {
            appendEncoded(byte, keepingSlashes: keepingSlashes, to: &out)
        }
    }

    /// Decodes then re-encodes, so `%7e`, `~` and `%7E` all come out as `~`, and `ሴ`, `%e1%88%b4` as `%E1%88%B4`:
    /// the one canonical form AWS computes on its side for a query name or value.
    static func appendCanonicalQueryComponent(_ bytes: some Collection<UInt8>, to out: inout [UInt8]) {
        forEachDecodedByte(bytes) { appendEncoded($0, keepingSlashes: false, to: &out) }
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte &- 0x30
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte &- 0x37
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte &- 0x57
        default: return nil
        }
    }

    @inline(__always)
    static func forEachDecodedByte<C: Collection<UInt8>>(_ bytes: C, _ body: (UInt8) -> Void) {
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let byte = bytes[i]
            if byte == UInt8(ascii: "%") {
                let h = bytes.index(after: i)
                if h != bytes.endIndex, let high = hexValue(bytes[h]) {
                    let l = bytes.index(after: h)
                    if l != bytes.endIndex, let low = hexValue(bytes[l]) {
                        body(high << 4 | low)
                        i = bytes.index(after: l)
                        continue
                    }
                }
            }
            body(byte)
            i = bytes.index(after: i)
        }
    }
}
