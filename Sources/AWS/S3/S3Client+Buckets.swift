import Foundation
import HTTPTransport

extension S3Client {
    /// Creates `bucket` in the configured region. Idempotent: a bucket we already own is success.
    public func createBucket(_ bucket: String) async throws {
        var body = Data()
        var payload = PayloadHash.empty
        var headers: HTTPHeaders = [:]
        // us-east-1 is the default location and S3 rejects it as an explicit constraint.
        if configuration.region != "us-east-1" {
            var xml = S3XMLWriter()
            xml.open("CreateBucketConfiguration", namespace: true)
            xml.element("LocationConstraint", configuration.region)
            xml.close("CreateBucketConfiguration")
            body = xml.data
            payload = .bytes(body)
            headers["Content-Type"] = "application/xml"
        }
        let request = AWSRequest(
            method: "PUT",
            url: url(bucket: bucket),
            headers: headers,
            body: body.isEmpty ? .empty : .data(body),
            payload: payload,
            idempotent: true
        )
        do {
            _ = try await service.send(request)
        } catch let error as AWSError where error.code == "BucketAlreadyOwnedByYou" {
            return
        }
    }

    /// Deletes an empty bucket.
    public func deleteBucket(_ bucket: String) async throws {
        _ = try await service.send(AWSRequest(method: "DELETE", url: url(bucket: bucket), idempotent: true))
    }

    /// Replaces the bucket's CORS configuration (browsers uploading through presigned URLs need one).
    public func putBucketCORS(bucket: String, rules: [S3CORSRule]) async throws {
        var xml = S3XMLWriter()
        xml.open("CORSConfiguration", namespace: true)
        for rule in rules {
            xml.open("CORSRule")
            for origin in rule.allowedOrigins { xml.element("AllowedOrigin", origin) }
            for method in rule.allowedMethods { xml.element("AllowedMethod", method) }
            for header in rule.allowedHeaders { xml.element("AllowedHeader", header) }
            for header in rule.exposeHeaders { xml.element("ExposeHeader", header) }
            if let maxAge = rule.maxAgeSeconds { xml.element("MaxAgeSeconds", String(maxAge)) }
            xml.close("CORSRule")
        }
        xml.close("CORSConfiguration")
        let body = xml.data
        var headers: HTTPHeaders = [:]
        headers["Content-Type"] = "application/xml"
        headers["Content-MD5"] = S3BodyDigest(data: body).md5Base64  // required by PutBucketCors
        let request = AWSRequest(
            method: "PUT",
            url: url(bucket: bucket, query: [("cors", "")]),
            headers: headers,
            body: .data(body),
            payload: .bytes(body),
            idempotent: true
        )
        _ = try await service.send(request)
    }

    /// The bucket's CORS rules; a bucket without any throws `NoSuchCORSConfiguration`.
    public func getBucketCORS(bucket: String) async throws -> [S3CORSRule] {
        let request = AWSRequest(method: "GET", url: url(bucket: bucket, query: [("cors", "")]), idempotent: true)
        let response = try await service.send(request)
        let root = try Self.parseXML(response.body, operation: "GetBucketCors", expectedRoot: "CORSConfiguration")
        return root.all("CORSRule").map { node in
            S3CORSRule(
                allowedOrigins: node.all("AllowedOrigin").map(\.text),
                allowedMethods: node.all("AllowedMethod").map(\.text),
                allowedHeaders: node.all("AllowedHeader").map(\.text),
                exposeHeaders: node.all("ExposeHeader").map(\.text),
                maxAgeSeconds: node.value("MaxAgeSeconds").flatMap { Int($0) }
            )
        }
    }
}
