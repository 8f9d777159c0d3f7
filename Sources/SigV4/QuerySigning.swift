import Foundation

/// A presigned request (query signing), with the intermediate stages.
public struct PresignedRequest: Sendable {
    /// The URL to hand out; nil when the request was built from a bare target (no scheme and host).
    public let url: URL?
    /// `scheme://authority/path?query` (or `/path?query` for a bare target).
    public let urlString: String
    /// The whole new query: the request's own parameters (canonically re-encoded, original order), then the
    /// X-Amz-* parameters and X-Amz-Signature.
    public let query: String
    /// Only the parameters the signer appended (X-Amz-Algorithm … X-Amz-Signature).
    public let addedQuery: String
    public let canonicalRequest: String
    public let stringToSign: String
    public let signature: String
}

/// Everything a presigned URL is made of, still as bytes.
struct PresignCore {
    var items: CanonicalQueryItems
    /// Index of the first parameter the signer added.
    var firstAddedItem: Int
    var canonicalRequest: [UInt8]
    var stringToSign: [UInt8]
    var signature: [UInt8]

    func urlBytes(of request: SigV4Request) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(request.scheme.utf8.count + request.authority.utf8.count + request.path.utf8.count
                            + items.storage.count + 2 * items.items.count + 8)
        if !request.scheme.isEmpty {
            out.append(contentsOf: request.scheme.utf8)
            out.append(contentsOf: "://".utf8)
            out.append(contentsOf: request.authority.utf8)
        }
        out.append(contentsOf: request.path.utf8)
        out.append(UInt8(ascii: "?"))
        items.appendInOrder(to: &out)
        return out
    }
}

extension SigV4Signer {
    /// Presigns `request` for `expires` seconds (1...604800) from `date`. `payload` defaults to
    /// UNSIGNED-PAYLOAD for S3 and the empty-body hash otherwise.
    public func presign(_ request: SigV4Request, expires: Int, payload: PayloadHash? = nil,
                        date: Date = Date()) throws(SigV4Error) -> PresignedRequest {
        try Self.checkExpires(expires)
        let core = presignCore(request, expires: expires, payload: payload, timestamp: SigV4Timestamp(date))
        let urlString = String(decoding: core.urlBytes(of: request), as: UTF8.self)
        var url: URL? = nil
        if !request.scheme.isEmpty {
            // Built from a URL's own text plus canonical (unreserved or %XX) query bytes, so this parses;
            // checked anyway rather than force-unwrapped.
            guard let parsed = URL(string: urlString) else { throw SigV4Error(.invalidURL, urlString) }
            url = parsed
        }
        var query: [UInt8] = []
        core.items.appendInOrder(to: &query)
        var added: [UInt8] = []
        core.items.appendInOrder(from: core.firstAddedItem, to: &added)
        return PresignedRequest(url: url, urlString: urlString,
                                query: String(decoding: query, as: UTF8.self),
                                addedQuery: String(decoding: added, as: UTF8.self),
                                canonicalRequest: String(decoding: core.canonicalRequest, as: UTF8.self),
                                stringToSign: String(decoding: core.stringToSign, as: UTF8.self),
                                signature: String(decoding: core.signature, as: UTF8.self))
    }

    /// Presigns a URL; see `presign(_:expires:payload:date:)`.
    public func presign(method: String, url: URL, headers: HeaderFields = [], expires: Int,
                        payload: PayloadHash? = nil, date: Date = Date()) throws(SigV4Error) -> PresignedRequest {
        try presign(SigV4Request(method: method, url: url, headers: headers), expires: expires, payload: payload, date: date)
    }

    func presignCore(_ request: SigV4Request, expires: Int, payload: PayloadHash?, timestamp: SigV4Timestamp) -> PresignCore {
        let headers: CanonicalHeaders
        if request.headers.isEmpty {
            headers = CanonicalHeaders(host: request.urlHost)
        } else if request.hasHostHeader || request.urlHost.isEmpty {
            headers = CanonicalHeaders(request.headers)
        } else {
            headers = CanonicalHeaders([(name: "host", value: request.urlHost)] + request.headers)
        }

        var items = CanonicalQueryItems(capacity: request.query.utf8.count + 320 + (encodedSessionToken?.count ?? 0))
        items.appendWireQuery(request.query)
        let firstAdded = items.items.count
        items.append(name: "X-Amz-Algorithm") { $0.append(contentsOf: Self.algorithm.utf8) }
        items.append(name: "X-Amz-Credential") { out in
            out.append(contentsOf: encodedCredentialPrefix)
            out.append(contentsOf: timestamp.dateStamp)
            out.append(contentsOf: encodedScopeSuffix)
        }
        items.append(name: "X-Amz-Date") { $0.append(contentsOf: timestamp.bytes) }
        let appendExpires = { (items: inout CanonicalQueryItems) in
            items.append(name: "X-Amz-Expires") { $0.append(contentsOf: String(expires).utf8) }
        }
        let appendSignedHeaders = { (items: inout CanonicalQueryItems) in
            items.append(name: "X-Amz-SignedHeaders") {
                AWSPercentEncoding.append(headers.signedNames, keepingSlashes: false, to: &$0)
            }
        }
        switch options.presignedQueryOrder {
        case .botocore:
            appendExpires(&items)
            appendSignedHeaders(&items)
        case .awsCRT:
            appendSignedHeaders(&items)
            appendExpires(&items)
        }
        if let token = encodedSessionToken {
            items.append(name: "X-Amz-Security-Token", isSigned: options.signsSessionToken) {
                $0.append(contentsOf: token)
            }
        }

        let payloadHash = payload?.canonicalValue
            ?? (service == "s3" ? PayloadHash.unsignedPayload : PayloadHash.emptySHA256Hex)
        let canonical = canonicalRequestBytes(method: request.method, path: request.path, query: items,
                                              headers: headers, payloadHash: payloadHash)
        let stringToSign = stringToSignBytes(canonical, timestamp: timestamp)
        let signature = signatureBytes(stringToSign, timestamp: timestamp)
        items.append(name: "X-Amz-Signature", isSigned: false) { $0.append(contentsOf: signature) }
        return PresignCore(items: items, firstAddedItem: firstAdded, canonicalRequest: canonical,
                           stringToSign: stringToSign, signature: signature)
    }
}
