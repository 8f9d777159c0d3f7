import Foundation
import HTTPTransport
import SigV4

/// S3 over our own signer and transport: objects, multipart uploads, listing, buckets and presigned URLs.
///
/// Addressing follows the configuration: path-style (`endpoint/bucket/key`) for custom endpoints such as moto
/// or MinIO, virtual-hosted (`https://bucket.s3.region.amazonaws.com/key`) on AWS. Keys are percent-encoded
/// byte for byte (AWS's rules, `/` kept), so any UTF-8 key round-trips.
public struct S3Client: Sendable {
    public let service: AWSServiceClient

    public init(_ service: AWSServiceClient) {
        precondition(service.service == .s3, "S3Client needs an AWSServiceClient for .s3, got .\(service.service)")
        self.service = service
    }

    public init(context: AWSContext) {
        self.init(context.client(for: .s3))
    }

    public var configuration: AWSConfiguration { service.configuration }

    // MARK: Addressing

    /// The URL of `key` in `bucket` (the bucket itself when `key` is empty), with raw query items: `urlString`'s
    /// text (the one addressing implementation), parsed.
    public func url(bucket: String, key: String = "", query: [(String, String)] = []) -> URL {
        let text = urlString(bucket: bucket, key: key, query: query)
        guard let url = URL(string: text) else { preconditionFailure("percent-encoded URL did not parse: \(text)") }
        return url
    }

    /// Virtual-hosted addressing only works for DNS-compatible names without dots (a dot breaks the TLS
    /// wildcard certificate); everything else, and every custom endpoint, goes path-style.
    func usesPathStyle(for bucket: String) -> Bool {
        if configuration.s3UsesPathStyle { return true }
        let allowed = bucket.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
        return !(allowed && (3...63).contains(bucket.utf8.count))
    }

    // MARK: Errors of our own

    /// A request we refuse to send (bad range, part number, expiry…): the same error type callers already handle.
    static func invalidArgument(_ message: String) -> AWSError {
        AWSError(code: "InvalidArgument", message: message, status: 0, isRetryable: false, service: "s3")
    }

    /// A 2xx answer whose body is not what S3 documents.
    static func malformedResponse(_ operation: String, _ detail: String) -> AWSError {
        AWSError(
            code: "MalformedResponse",
            message: "\(operation) answered a body we cannot read: \(detail)",
            status: 200,
            isRetryable: false,
            service: "s3"
        )
    }

    /// Parses a 2xx XML answer; garbage becomes a typed `MalformedResponse`, and an `<Error>` document
    /// (S3 sends those with 200 for CompleteMultipartUpload and CopyObject) becomes the error it describes.
    static func parseXML(
        _ body: Data,
        operation: String,
        expectedRoot: String,
        alternativeRoot: String? = nil
    ) throws -> XMLNode {
        let root: XMLNode
        do {
            root = try XMLNode.parse(body)
        } catch {
            throw malformedResponse(operation, "\(error)")
        }
        if root.name == "Error" {
            throw AWSError(
                code: root.value("Code") ?? "InternalError",
                message: root.value("Message") ?? "\(operation) failed",
                requestID: root.value("RequestId"),
                status: 200,
                service: "s3"
            )
        }
        guard root.name == expectedRoot || root.name == alternativeRoot else {
            throw malformedResponse(operation, "root element <\(root.name)>, expected <\(expectedRoot)>")
        }
        return root
    }
}

extension AWSContext {
    /// An S3 client sharing this context's transport and credentials.
    public var s3: S3Client { S3Client(context: self) }
}
