import Foundation
import HTTPTransport

extension S3Client {
    /// One page of ListObjectsV2. `maxKeys` is capped by S3 at 1000.
    public func listObjects(
        bucket: String,
        prefix: String? = nil,
        delimiter: String? = nil,
        maxKeys: Int? = nil,
        continuationToken: String? = nil,
        startAfter: String? = nil
    ) async throws -> S3ListPage {
        var query: [(String, String)] = [("list-type", "2")]
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        if let delimiter { query.append(("delimiter", delimiter)) }
        if let maxKeys {
            guard maxKeys > 0 else { throw Self.invalidArgument("maxKeys must be positive, got \(maxKeys)") }
            query.append(("max-keys", String(maxKeys)))
        }
        if let prefix, !prefix.isEmpty { query.append(("prefix", prefix)) }
        if let startAfter { query.append(("start-after", startAfter)) }
        let request = AWSRequest(method: "GET", url: url(bucket: bucket, query: query), idempotent: true)
        let response = try await service.send(request)
        return try Self.parseListPage(response.body)
    }

    /// Every page of ListObjectsV2 under `prefix`, fetched lazily as the sequence is iterated.
    public func listObjectPages(
        bucket: String,
        prefix: String? = nil,
        delimiter: String? = nil,
        pageSize: Int? = nil
    ) -> S3ListObjectPages {
        S3ListObjectPages(client: self, bucket: bucket, prefix: prefix, delimiter: delimiter, pageSize: pageSize)
    }

    /// Every object under `prefix`, following continuation tokens.
    public func listAll(bucket: String, prefix: String? = nil, pageSize: Int? = nil) async throws -> [S3ObjectSummary] {
        var objects: [S3ObjectSummary] = []
        for try await page in listObjectPages(bucket: bucket, prefix: prefix, pageSize: pageSize) {
            objects += page.objects
        }
        return objects
    }

    static func parseListPage(_ body: Data) throws -> S3ListPage {
        let root = try parseXML(body, operation: "ListObjectsV2", expectedRoot: "ListBucketResult")
        var objects: [S3ObjectSummary] = []
        for node in root.all("Contents") {
            guard let key = node.value("Key"), let size = node.value("Size").flatMap({ Int64($0) }) else {
                throw malformedResponse("ListObjectsV2", "<Contents> without Key or Size")
            }
            objects.append(
                S3ObjectSummary(
                    key: key,
                    size: size,
                    eTag: node.value("ETag"),
                    lastModified: node.value("LastModified").flatMap(S3Dates.parseISO8601),
                    storageClass: node.value("StorageClass")
                )
            )
        }
        let prefixes = root.all("CommonPrefixes").compactMap { $0.value("Prefix") }
        let truncated = root.value("IsTruncated") == "true"
        let token = root.value("NextContinuationToken").flatMap { $0.isEmpty ? nil : $0 }
        if truncated && token == nil {
            // Following a truncated listing without a token would loop on the first page forever.
            throw malformedResponse("ListObjectsV2", "IsTruncated=true without NextContinuationToken")
        }
        return S3ListPage(
            objects: objects,
            commonPrefixes: prefixes,
            nextContinuationToken: truncated ? token : nil,
            isTruncated: truncated
        )
    }

    // MARK: DeleteObjects

    /// Deletes many keys, 1000 per request as S3 allows. Keys S3 could not delete are reported, not thrown.
    public func deleteObjects(bucket: String, keys: [String]) async throws -> S3DeleteObjectsResult {
        var result = S3DeleteObjectsResult(deleted: [], failures: [])
        var start = keys.startIndex
        while start < keys.endIndex {
            let end = min(start + 1000, keys.endIndex)
            let batch = try await deleteBatch(bucket: bucket, keys: keys[start..<end])
            result.deleted += batch.deleted
            result.failures += batch.failures
            start = end
        }
        return result
    }

    private func deleteBatch(bucket: String, keys: ArraySlice<String>) async throws -> S3DeleteObjectsResult {
        var xml = S3XMLWriter()
        xml.open("Delete", namespace: true)
        for key in keys {
            xml.open("Object")
            xml.element("Key", key)
            xml.close("Object")
        }
        xml.close("Delete")
        let body = xml.data
        var headers: HTTPHeaders = [:]
        headers["Content-Type"] = "application/xml"
        headers["Content-MD5"] = S3BodyDigest(data: body).md5Base64  // S3 refuses DeleteObjects without it
        let request = AWSRequest(
            method: "POST",
            url: url(bucket: bucket, query: [("delete", "")]),
            headers: headers,
            body: .data(body),
            payload: .bytes(body),
            idempotent: true
        )
        let response = try await service.send(request)
        let root = try Self.parseXML(response.body, operation: "DeleteObjects", expectedRoot: "DeleteResult")
        let deleted = root.all("Deleted").compactMap { $0.value("Key") }
        let failures = root.all("Error").map { node in
            S3DeleteFailure(
                key: node.value("Key") ?? "",
                code: node.value("Code") ?? "Unknown",
                message: node.value("Message") ?? ""
            )
        }
        return S3DeleteObjectsResult(deleted: deleted, failures: failures)
    }
}

/// The pages of a ListObjectsV2 listing, each fetched when the iterator asks for it.
public struct S3ListObjectPages: AsyncSequence, Sendable {
    public typealias Element = S3ListPage

    let client: S3Client
    let bucket: String
    let prefix: String?
    let delimiter: String?
    let pageSize: Int?

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pages: S3ListObjectPages
        var token: String?
        var finished = false

        public mutating func next() async throws -> S3ListPage? {
            if finished { return nil }
            let page = try await pages.client.listObjects(
                bucket: pages.bucket,
                prefix: pages.prefix,
                delimiter: pages.delimiter,
                maxKeys: pages.pageSize,
                continuationToken: token
            )
            if let next = page.nextContinuationToken, next != token {
                token = next
            } else {
                finished = true
            }
            return page
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pages: self) }
}
