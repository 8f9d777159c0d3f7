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
    /// The request's own parameters, canonically encoded, in their original order (`a=1&b=2`), or empty.
    var originalQuery: [UInt8]
    /// What the signer appends: X-Amz-Algorithm … X-Amz-Signature.
    var addedQuery: [UInt8]
    var canonicalRequest: [UInt8]
    var stringToSign: [UInt8]
    /// The hex signature: the last 64 bytes of `addedQuery`.
    var signature: ArraySlice<UInt8> { addedQuery.suffix(64) }

    func appendQuery(to out: inout [UInt8]) {
        out.append(contentsOf: originalQuery)
        if !originalQuery.isEmpty { out.append(UInt8(ascii: "&")) }
        out.append(contentsOf: addedQuery)
    }

    /// The URL as a String, written in place (one allocation, no intermediate byte array).
    func urlString(of request: SigV4Request) -> String {
        var scheme = request.scheme
        var authority = request.authority
        var path = request.path
        let hasPrefix = !scheme.isEmpty
        let separators = (hasPrefix ? 3 : 0) + 1 + (originalQuery.isEmpty ? 0 : 1)
        let count =
            (hasPrefix ? scheme.utf8.count + authority.utf8.count : 0) + path.utf8.count
            + originalQuery.count + addedQuery.count + separators
        return scheme.withUTF8 { schemeBytes in
            authority.withUTF8 { authorityBytes in
                path.withUTF8 { pathBytes in
                    String(unsafeUninitializedCapacity: count) { out in
                        var n = 0
                        func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                            guard !bytes.isEmpty else { return }
                            UnsafeMutableRawPointer(out.baseAddress! + n)
                                .copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                            n += bytes.count
                        }
                        func put(_ byte: UInt8) {
                            out[n] = byte
                            n += 1
                        }
                        if hasPrefix {
                            put(schemeBytes)
                            put(UInt8(ascii: ":"))
                            put(UInt8(ascii: "/"))
                            put(UInt8(ascii: "/"))
                            put(authorityBytes)
                        }
                        put(pathBytes)
                        put(UInt8(ascii: "?"))
                        originalQuery.withUnsafeBufferPointer { put($0) }
                        if !originalQuery.isEmpty { put(UInt8(ascii: "&")) }
                        addedQuery.withUnsafeBufferPointer { put($0) }
                        return n
                    }
                }
            }
        }
    }
}

/// The X-Amz-* query parameters of a presigned URL, in canonical (sorted) order.
enum AuthQueryParameter: CaseIterable {
    case algorithm, credential, date, expires, securityToken, signedHeaders

    var name: StaticString {
        switch self {
        case .algorithm: return "X-Amz-Algorithm"
        case .credential: return "X-Amz-Credential"
        case .date: return "X-Amz-Date"
        case .expires: return "X-Amz-Expires"
        case .securityToken: return "X-Amz-Security-Token"
        case .signedHeaders: return "X-Amz-SignedHeaders"
        }
    }

    /// `allCases` builds a new array on every call; this one is built once.
    static let sorted: [Self] = allCases
    static let botocoreOrder: [Self] = [.algorithm, .credential, .date, .expires, .signedHeaders, .securityToken]
    static let awsCRTOrder: [Self] = [.algorithm, .credential, .date, .signedHeaders, .expires, .securityToken]
}

extension SigV4Signer {
    /// Presigns `request` for `expires` seconds (1...604800) from `date`. `payload` defaults to
    /// UNSIGNED-PAYLOAD for S3 and the empty-body hash otherwise.
    public func presign(
        _ request: SigV4Request,
        expires: Int,
        payload: PayloadHash? = nil,
        date: Date = Date()
    ) throws(SigV4Error) -> PresignedRequest {
        try Self.checkExpires(expires)
        let core = presignCore(request, expires: expires, payload: payload, timestamp: SigV4Timestamp(date))
        let urlString = core.urlString(of: request)
        var url: URL? = nil
        if !request.scheme.isEmpty {
            // Built from a URL's own text plus canonical (unreserved or %XX) query bytes, so this parses;
            // checked anyway rather than force-unwrapped.
            guard let parsed = URL(string: urlString) else { throw SigV4Error(.invalidURL, urlString) }
            url = parsed
        }
        var query: [UInt8] = []
        core.appendQuery(to: &query)
        return PresignedRequest(
            url: url,
            urlString: urlString,
            query: String(decoding: query, as: UTF8.self),
            addedQuery: String(decoding: core.addedQuery, as: UTF8.self),
            canonicalRequest: String(decoding: core.canonicalRequest, as: UTF8.self),
            stringToSign: String(decoding: core.stringToSign, as: UTF8.self),
            signature: String(decoding: core.signature, as: UTF8.self)
        )
    }

    /// Presigns a URL; see `presign(_:expires:payload:date:)`.
    public func presign(
        method: String,
        url: URL,
        headers: HeaderFields = [],
        expires: Int,
        payload: PayloadHash? = nil,
        date: Date = Date()
    ) throws(SigV4Error) -> PresignedRequest {
        try presign(
            SigV4Request(method: method, url: url, headers: headers),
            expires: expires,
            payload: payload,
            date: date
        )
    }

    func presignCore(
        _ request: SigV4Request,
        expires: Int,
        payload: PayloadHash?,
        timestamp: SigV4Timestamp
    ) -> PresignCore {
        var draft = presignDraft(request, expires: expires, payload: payload, timestamp: timestamp)
        let stringToSign = stringToSignBytes(draft.canonicalRequest, timestamp: timestamp)
        // The signature goes straight to the end of the query (no array of its own).
        let mac = keyCache.preparedHMAC(
            secret: credentials.secretAccessKey,
            timestamp: timestamp,
            region: region,
            service: service
        )
        stringToSign.withUnsafeBytes { mac.appendHexMAC(of: $0, to: &draft.addedQuery) }
        return PresignCore(
            originalQuery: draft.originalQuery,
            addedQuery: draft.addedQuery,
            canonicalRequest: draft.canonicalRequest,
            stringToSign: stringToSign
        )
    }

    /// Everything of a presigned URL but its signature. With `varyingName` (canonically encoded), also where that
    /// parameter's value ends in the canonical request and in the URL's query: `PresignTemplate`'s slots.
    func presignDraft(
        _ request: SigV4Request,
        expires: Int,
        payload: PayloadHash?,
        timestamp: SigV4Timestamp,
        varyingName: [UInt8]? = nil
    ) -> PresignDraft {
        // Without headers of the caller's the only signed header is Host: written straight into the canonical
        // request rather than through a CanonicalHeaders block of its own.
        let headers: CanonicalHeaders?
        if request.headers.isEmpty {
            headers = nil
        } else if request.hasHostHeader || request.urlHost.isEmpty {
            headers = CanonicalHeaders(request.headers)
        } else {
            headers = CanonicalHeaders([(name: "host", value: request.urlHost)] + request.headers)
        }
        let signedNames = headers?.signedNames ?? CanonicalHeaders.hostOnly
        let signsToken = options.signsSessionToken
        let hasToken = encodedSessionToken != nil

        func appendValue(_ parameter: AuthQueryParameter, to out: inout [UInt8]) {
            switch parameter {
            case .algorithm:
                out.append(contentsOf: Self.algorithm.utf8)
            case .credential:
                out.append(contentsOf: encodedCredentialPrefix)
                timestamp.appendDateStamp(to: &out)
                out.append(contentsOf: encodedScopeSuffix)
            case .date:
                timestamp.append(to: &out)
            case .expires:
                out.append(contentsOf: String(expires).utf8)
            case .securityToken:
                out.append(contentsOf: encodedSessionToken ?? [])
            case .signedHeaders:
                AWSPercentEncoding.append(signedNames, keepingSlashes: false, to: &out)
            }
        }
        func appendParameter(_ parameter: AuthQueryParameter, to out: inout [UInt8]) {
            let name = parameter.name
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(UInt8(ascii: "="))
            appendValue(parameter, to: &out)
        }

        let payloadHash =
            payload?.canonicalValue
            ?? (service == "s3" ? PayloadHash.unsignedPayload : PayloadHash.emptySHA256Hex)
        var canonical: [UInt8] = []
        canonical.reserveCapacity(
            320 + 3 * (request.path.utf8.count + request.query.utf8.count)
                + (headers?.block.count ?? request.urlHost.utf8.count) + (encodedSessionToken?.count ?? 0)
        )
        canonical.append(contentsOf: request.method.utf8)
        canonical.append(UInt8(ascii: "\n"))
        CanonicalURI.append(path: request.path, rules: options.path, to: &canonical)
        canonical.append(UInt8(ascii: "\n"))

        var originalQuery: [UInt8] = []
        var canonicalSlot: Int? = nil
        var originalSlot: Int? = nil
        if request.query.isEmpty {
            // Common case: only our parameters, whose canonical order is fixed (AuthQueryParameter.allCases).
            var first = true
            for parameter in AuthQueryParameter.sorted where parameter != .securityToken || (hasToken && signsToken) {
                if !first { canonical.append(UInt8(ascii: "&")) }
                first = false
                appendParameter(parameter, to: &canonical)
            }
        } else {
            var items = CanonicalQueryItems(capacity: 3 * request.query.utf8.count + 256)
            items.appendWireQuery(request.query)
            let ownCount = items.items.count
            for parameter in AuthQueryParameter.sorted where parameter != .securityToken || (hasToken && signsToken) {
                items.append(name: parameter.name) { appendValue(parameter, to: &$0) }
            }
            // The slot must be one of the request's own parameters and the only one of its name: then its place in
            // the canonical order depends on its name alone, never on the value that goes in it.
            var slot: Int? = nil
            if let varyingName, case let matches = items.indices(named: varyingName), matches.count == 1,
                matches[0] < ownCount
            {
                slot = matches[0]
                items.clearValue(of: matches[0])
            }
            originalSlot = items.appendInOrder(to: &originalQuery, upTo: ownCount, slot: slot)
            canonicalSlot = items.appendCanonical(to: &canonical, slot: slot)
        }
        canonical.append(UInt8(ascii: "\n"))
        if let headers {
            canonical.append(contentsOf: headers.block)
        } else {
            canonical.append(contentsOf: "host:".utf8)
            CanonicalHeaders.appendFolded(request.urlHost, to: &canonical)
            canonical.append(UInt8(ascii: "\n"))
        }
        canonical.append(UInt8(ascii: "\n"))
        canonical.append(contentsOf: signedNames)
        canonical.append(UInt8(ascii: "\n"))
        canonical.append(contentsOf: payloadHash.utf8)

        var added: [UInt8] = []
        added.reserveCapacity(300 + (encodedSessionToken?.count ?? 0))
        let order =
            options.presignedQueryOrder == .botocore ? AuthQueryParameter.botocoreOrder : AuthQueryParameter.awsCRTOrder
        for parameter in order where parameter != .securityToken || hasToken {
            appendParameter(parameter, to: &added)
            added.append(UInt8(ascii: "&"))
        }
        added.append(contentsOf: "X-Amz-Signature=".utf8)
        return PresignDraft(
            canonicalRequest: canonical,
            originalQuery: originalQuery,
            addedQuery: added,
            canonicalSlot: canonicalSlot,
            originalSlot: originalSlot
        )
    }
}

/// A presigned URL before its signature is computed.
struct PresignDraft {
    var canonicalRequest: [UInt8]
    /// The request's own parameters, canonically encoded, in their original order, or empty.
    var originalQuery: [UInt8]
    /// X-Amz-Algorithm … up to and including `X-Amz-Signature=`.
    var addedQuery: [UInt8]
    /// Where the varying parameter's (empty) value sits in `canonicalRequest` and in `originalQuery`.
    var canonicalSlot: Int?
    var originalSlot: Int?
}
