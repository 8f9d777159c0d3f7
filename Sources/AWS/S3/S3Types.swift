import Foundation
import HTTPTransport

/// Which integrity checksums an upload carries. Both are computed in one streaming pass over the body.
public struct S3Checksums: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `Content-MD5`: S3 rejects the body with `BadDigest` if it arrives altered.
    public static let contentMD5 = S3Checksums(rawValue: 1 << 0)
    /// `x-amz-checksum-sha256` (base64): S3 verifies and stores it with the object.
    public static let sha256 = S3Checksums(rawValue: 1 << 1)

    public static let all: S3Checksums = [.contentMD5, .sha256]
}

/// What S3 answered to a PutObject (or a completed multipart upload).
public struct S3PutResult: Sendable, Equatable {
    public var eTag: String
    public var versionID: String?
    /// Base64 SHA-256 S3 stored with the object, when one was sent.
    public var checksumSHA256: String?
}

/// An object's metadata, from HeadObject or the headers of a GetObject.
public struct S3ObjectInfo: Sendable, Equatable {
    /// Bytes in this response's body (for HEAD: the object's size).
    public var contentLength: Int64
    /// The whole object's size: `contentLength`, or the total of `Content-Range` for a ranged GET.
    public var objectSize: Int64
    public var eTag: String?
    public var contentType: String?
    public var lastModified: Date?
    /// `x-amz-meta-*` headers, names lower-cased without the prefix.
    public var metadata: [String: String]
    public var versionID: String?
    public var checksumSHA256: String?
    /// `Content-Range` of a ranged GET (206), e.g. `bytes 0-99/1000`.
    public var contentRange: String?

    init(response: HTTPResponse) {
        let headers = response.headers
        let length = headers["Content-Length"].flatMap { Int64($0) } ?? response.bodyLength
        contentLength = length
        contentRange = headers["Content-Range"]
        objectSize = contentRange.flatMap { $0.split(separator: "/").last.flatMap { Int64($0) } } ?? length
        eTag = headers["ETag"]
        contentType = headers["Content-Type"]
        lastModified = headers["Last-Modified"].flatMap(S3Dates.parseHTTPDate)
        versionID = headers["x-amz-version-id"]
        checksumSHA256 = headers["x-amz-checksum-sha256"]
        var metadata: [String: String] = [:]
        for field in headers where field.name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(field.name.lowercased().dropFirst("x-amz-meta-".count))] = field.value
        }
        self.metadata = metadata
    }
}

/// An object fetched into memory.
public struct S3Object: Sendable {
    public var info: S3ObjectInfo
    public var body: Data
}

/// One entry of a ListObjectsV2 page.
public struct S3ObjectSummary: Sendable, Equatable {
    public var key: String
    public var size: Int64
    public var eTag: String?
    public var lastModified: Date?
    public var storageClass: String?
}

/// One page of ListObjectsV2.
public struct S3ListPage: Sendable {
    public var objects: [S3ObjectSummary]
    /// Prefixes rolled up by the delimiter ("folders").
    public var commonPrefixes: [String]
    /// Pass to the next call; nil on the last page.
    public var nextContinuationToken: String?
    public var isTruncated: Bool
}

/// A part as CompleteMultipartUpload needs it.
public struct S3CompletedPart: Sendable, Equatable {
    public var partNumber: Int
    public var eTag: String
    public init(partNumber: Int, eTag: String) {
        self.partNumber = partNumber
        self.eTag = eTag
    }
}

/// A part as ListParts reports it.
public struct S3UploadedPart: Sendable, Equatable {
    public var partNumber: Int
    public var eTag: String
    public var size: Int64
    public var lastModified: Date?
}

/// A key DeleteObjects could not delete.
public struct S3DeleteFailure: Sendable, Equatable {
    public var key: String
    public var code: String
    public var message: String
}

public struct S3DeleteObjectsResult: Sendable, Equatable {
    public var deleted: [String]
    public var failures: [S3DeleteFailure]
}

/// One CORS rule of a bucket.
public struct S3CORSRule: Sendable, Equatable {
    public var allowedOrigins: [String]
    public var allowedMethods: [String]
    public var allowedHeaders: [String]
    public var exposeHeaders: [String]
    public var maxAgeSeconds: Int?

    public init(
        allowedOrigins: [String],
        allowedMethods: [String],
        allowedHeaders: [String] = ["*"],
        exposeHeaders: [String] = ["ETag"],
        maxAgeSeconds: Int? = 3000
    ) {
        self.allowedOrigins = allowedOrigins
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAgeSeconds = maxAgeSeconds
    }
}

enum S3Dates {
    /// RFC 7231 dates (`Last-Modified`), e.g. `Wed, 21 Oct 2015 07:28:00 GMT`.
    static func parseHTTPDate(_ text: String) -> Date? {
        // DateFormatter is not Sendable; one per call is cheap next to a network round trip.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    /// ISO 8601 in XML bodies, with or without fractional seconds.
    static func parseISO8601(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }
}
