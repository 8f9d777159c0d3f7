import Foundation
import SigV4

extension S3Client {
    /// `url(bucket:key:query:)` as text, built without a Foundation `URL`: the form presigned URLs are handed out
    /// in. Parsing and printing a `URL` per presigned link cost more than signing it.
    public func urlString(bucket: String, key: String = "", query: [(String, String)] = []) -> String {
        let encodedKey = AWSPercentEncoding.encode(key, keepingSlashes: true)
        if usesPathStyle(for: bucket) {
            let encodedBucket = AWSPercentEncoding.encode(bucket, keepingSlashes: false)
            let path = key.isEmpty ? "/\(encodedBucket)" : "/\(encodedBucket)/\(encodedKey)"
            return AWSServiceClient.urlString(base: service.endpointText, encodedPath: path, query: query)
        }
        return AWSServiceClient.urlString(
            base: virtualHostedBase(bucket: bucket),
            encodedPath: "/" + encodedKey,
            query: query
        )
    }

    /// `scheme://bucket.host[:port]` from the endpoint's text: the bucket goes in front of the host, after any user
    /// info; the endpoint's own path is dropped (as virtual-hosted addressing does).
    func virtualHostedBase(bucket: String) -> String {
        let text = service.endpointText
        guard let schemeEnd = text.range(of: "://") else {
            return "https://\(bucket).s3.\(configuration.region).amazonaws.com"
        }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = text[authorityStart...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
        let hostStart =
            text[authorityStart..<authorityEnd].lastIndex(of: "@").map { text.index(after: $0) } ?? authorityStart
        var host = String(text[hostStart..<authorityEnd])
        if host.isEmpty || host.hasPrefix(":") { host = "s3.\(configuration.region).amazonaws.com" + host }
        return String(text[..<hostStart]) + bucket + "." + host
    }
}
