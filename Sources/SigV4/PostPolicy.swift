/// One condition of an S3 POST policy.
public enum PostPolicyCondition: Sendable, Equatable {
    /// `{"field": "value"}`: the form field must be exactly `value`.
    case equals(field: String, value: String)
    /// `["starts-with", "$field", "prefix"]`: e.g. `.startsWith(field: "Content-Type", prefix: "video/")`.
    case startsWith(field: String, prefix: String)
    /// `["content-length-range", min, max]`: the upload's size in bytes, inclusive.
    case contentLengthRange(min: Int, max: Int)
}

/// The policy document as JSON, written the way Python's `json.dumps` writes it (`", "` and `": "`
/// separators, every non-ASCII character as `\uXXXX`), so our policies match botocore's byte for byte.
enum PostPolicyJSON {
    static func document(expiration: String, conditions: [PostPolicyCondition]) -> String {
        var out = "{\"expiration\": "
        appendString(expiration, to: &out)
        out += ", \"conditions\": ["
        for (n, condition) in conditions.enumerated() {
            if n > 0 { out += ", " }
            switch condition {
            case .equals(let field, let value):
                out += "{"
                appendString(field, to: &out)
                out += ": "
                appendString(value, to: &out)
                out += "}"
            case .startsWith(let field, let prefix):
                out += "[\"starts-with\", "
                appendString("$" + field, to: &out)
                out += ", "
                appendString(prefix, to: &out)
                out += "]"
            case .contentLengthRange(let min, let max):
                out += "[\"content-length-range\", \(min), \(max)]"
            }
        }
        return out + "]}"
    }

    static func appendString(_ string: String, to out: inout String) {
        out += "\""
        for unit in string.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                // Surrogate pairs come out as two escapes, as json.dumps writes astral characters.
                out += "\\u"
                let hex = String(unit, radix: 16)
                out += String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        out += "\""
    }
}
