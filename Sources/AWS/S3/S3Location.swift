/// An object named as `s3://bucket/key`. The key is taken verbatim: it may hold further slashes, spaces, anything.
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    public var bucket: String
    public var key: String

    public init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(uri text: String) throws(ParseError) {
        guard text.hasPrefix("s3://") else {
            throw ParseError(description: "'\(text)' is not an S3 URI: expected s3://BUCKET/KEY")
        }
        let rest = text.dropFirst("s3://".count)
        guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else {
            throw ParseError(description: "'\(text)' names no bucket and key: expected s3://BUCKET/KEY")
        }
        let key = rest[rest.index(after: slash)...]
        guard !key.isEmpty else {
            throw ParseError(description: "'\(text)' names a bucket but no key: expected s3://BUCKET/KEY")
        }
        bucket = String(rest[..<slash])
        self.key = String(key)
    }

    public var description: String { "s3://\(bucket)/\(key)" }
}
