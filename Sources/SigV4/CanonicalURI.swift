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

    private static func appendPart(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, encodesAgain: Bool, to out: inout [UInt8]) {
        if encodesAgain {
            AWSPercentEncoding.append(bytes, keepingSlashes: true, to: &out)
        } else {
            out.append(contentsOf: bytes)
        }
    }

    /// RFC 3986 dot-segment removal plus collapsing empty segments, as AWS does for every service but S3.
    private static func appendNormalized(_ bytes: UnsafeBufferPointer<UInt8>, encodesAgain: Bool, to out: inout [UInt8]) {
        var segments: [Range<Int>] = []
        var start = 0
        var endsWithDirectory = false
        for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "/") {
            let segment = start..<i
            start = i + 1
            let isDot = segment.count == 1 && bytes[segment.lowerBound] == UInt8(ascii: ".")
            let isDotDot = segment.count == 2 && bytes[segment.lowerBound] == UInt8(ascii: ".")
                && bytes[segment.lowerBound + 1] == UInt8(ascii: ".")
            // A path ending in "/", "/." or "/.." names a directory and keeps its trailing slash.
            endsWithDirectory = segment.isEmpty || isDot || isDotDot
            if segment.isEmpty || isDot { continue }
            if isDotDot {
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
        if endsWithDirectory { out.append(UInt8(ascii: "/")) }
    }
}
