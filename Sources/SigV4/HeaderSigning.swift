import Foundation

/// A request signed for the Authorization header, with the intermediate stages.
public struct HeaderSignedRequest: Sendable {
    /// The caller's headers (minus stale auth headers) plus Host, X-Amz-Security-Token, X-Amz-Date,
    /// x-amz-content-sha256 and Authorization, in that order.
    public let headers: HeaderFields
    public let canonicalRequest: String
    public let stringToSign: String
    public let signature: String
}

extension SigV4Signer {
    /// Signs `request` for the Authorization header.
    public func signHeaders(_ request: SigV4Request, payload: PayloadHash, date: Date = Date()) -> HeaderSignedRequest {
        let core = signHeadersCore(request, payload: payload, timestamp: SigV4Timestamp(date))
        return HeaderSignedRequest(
            headers: core.headers,
            canonicalRequest: String(decoding: core.canonicalRequest, as: UTF8.self),
            stringToSign: String(decoding: core.stringToSign, as: UTF8.self),
            signature: String(decoding: core.signature, as: UTF8.self)
        )
    }

    func signHeadersCore(
        _ request: SigV4Request,
        payload: PayloadHash,
        timestamp: SigV4Timestamp
    )
        -> (headers: HeaderFields, canonicalRequest: [UInt8], stringToSign: [UInt8], signature: [UInt8])
    {
        let payloadHash = payload.canonicalValue
        let token = credentials.sessionToken
        let addsContentHash = options.addsContentSHA256Header

        // A retried request still carries the previous attempt's auth headers: drop them, we add fresh ones.
        var headers = request.headers.filter { header in
            !(SigV4Request.nameEquals(header.name, "authorization")
                || SigV4Request.nameEquals(header.name, "x-amz-date")
                || (token != nil && SigV4Request.nameEquals(header.name, "x-amz-security-token"))
                || (addsContentHash && SigV4Request.nameEquals(header.name, "x-amz-content-sha256")))
        }
        if !request.hasHostHeader, !request.urlHost.isEmpty {
            headers.insert((name: "Host", value: request.urlHost), at: 0)
        }
        let tokenIndex = headers.count
        if let token { headers.append((name: "X-Amz-Security-Token", value: token)) }
        headers.append((name: "X-Amz-Date", value: timestamp.string))
        if addsContentHash { headers.append((name: "x-amz-content-sha256", value: payloadHash)) }

        let signedHeaders: CanonicalHeaders
        if token != nil, !options.signsSessionToken {
            var withoutToken = headers
            withoutToken.remove(at: tokenIndex)
            signedHeaders = CanonicalHeaders(withoutToken)
        } else {
            signedHeaders = CanonicalHeaders(headers)
        }

        var query = CanonicalQueryItems()
        query.appendWireQuery(request.query)
        let canonical = canonicalRequestBytes(
            method: request.method,
            path: request.path,
            query: query,
            headers: signedHeaders,
            payloadHash: payloadHash
        )
        let stringToSign = stringToSignBytes(canonical, timestamp: timestamp)
        let signature = signatureBytes(stringToSign, timestamp: timestamp)

        var authorization = Array("AWS4-HMAC-SHA256 Credential=".utf8)
        appendCredential(timestamp: timestamp, to: &authorization)
        authorization.append(contentsOf: ", SignedHeaders=".utf8)
        authorization.append(contentsOf: signedHeaders.signedNames)
        authorization.append(contentsOf: ", Signature=".utf8)
        authorization.append(contentsOf: signature)
        headers.append((name: "Authorization", value: String(decoding: authorization, as: UTF8.self)))

        return (headers, canonical, stringToSign, signature)
    }
}
