/// AWS's URI encoding (RFC 3986 unreserved characters kept, every other byte of the UTF-8 as %XX, upper-case hex).
public enum AWSPercentEncoding {
    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `keepingSlashes: true` for S3 object keys in a path, false for query names and values.
    public static func encode(_ string: String, keepingSlashes: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepingSlashes:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
