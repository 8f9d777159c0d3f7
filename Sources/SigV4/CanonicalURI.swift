/// The canonical request's second line.
enum CanonicalURI {
    static func append(path: String, rules: PathCanonicalization, to out: inout [UInt8]) {
        var path = path
        path.withUTF8 { bytes in
            if bytes.isEmpty {
                out.append(UInt8(ascii: "/"))
                return
            }
            if !rules.removesDotSegments {
                if bytes[0] != UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
                appendPart(bytes[...], encodesAgain: rules.encodesAgain, to: &out)
                return
            }
            appendNormalized(bytes, encodesAgain: rules.encodesAgain, to: &out)
        }
    }

    private static func appendPart(
        _ bytes: Slice<UnsafeBufferPointer<UInt8>>,
        encodesAgain: Bool,
        to out: inout [UInt8]
    ) {
        if encodesAgain {
            AWSPercentEncoding.append(bytes, keepingSlashes: true, to: &out)
        } else {
            out.append(contentsOf: bytes)
        }
    }

    /// Dot-segment removal plus collapsing empty segments, as AWS (and botocore) do for every service but
    /// S3. The trailing slash survives only when the path itself ends in `/`.
    private static func appendNormalized(_ bytes: UnsafeBufferPointer<UInt8>, encodesAgain: Bool, to out: inout [UInt8])
    {
        var segments: [Range<Int>] = []
        var start = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "/") {
            let segment = start..<i
            start = i + 1
            if segment.isEmpty { continue }
            if segment.count == 1 && bytes[segment.lowerBound] == UInt8(ascii: ".") { continue }
            if segment.count == 2 && bytes[segment.lowerBound] == UInt8(ascii: ".")
                && bytes[segment.lowerBound + 1] == UInt8(ascii: ".")
            {
                _ = segments.popLast()
                continue
            }
            segments.append(segment)
        }
        if segments.isEmpty {
            out.append(UInt8(ascii: "/"))
            return
        }
        for segment in segments {
            out.append(UInt8(ascii: "/"))
            appendPart(bytes[segment], encodesAgain: encodesAgain, to: &out)
        }
        if bytes[bytes.count - 1] == UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
    }
}
