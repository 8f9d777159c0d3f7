import Crypto
import Foundation

/// The spec's four stages, each callable on its own (tests and debugging compare them with AWS's).
extension SigV4Signer {
    /// Stage 1: `METHOD\nURI\nQUERY\nHEADERS\n\nSIGNED\nPAYLOAD`. `headers` are exactly the ones to sign
    /// (the caller adds Host/X-Amz-Date first); unsignable ones (User-Agent, Expect…) are left out.
    public func canonicalRequest(
        method: String,
        path: String,
        query: String,
        headers: HeaderFields,
        payloadHash: String
    ) -> String {
        var items = CanonicalQueryItems()
        items.appendWireQuery(query)
        let bytes = canonicalRequestBytes(
            method: method,
            path: path,
            query: items,
            headers: CanonicalHeaders(headers),
            payloadHash: payloadHash
        )
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The canonical URI under this signer's path rules.
    public func canonicalURI(path: String) -> String {
        var out: [UInt8] = []
        CanonicalURI.append(path: path, rules: options.path, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical query string of a wire query (`b=2&a=1` → `a=1&b=2`).
    public static func canonicalQueryString(_ query: String) -> String {
        var items = CanonicalQueryItems()
        items.appendWireQuery(query)
        var out: [UInt8] = []
        items.appendCanonical(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical headers block (each line ends in `\n`) and the signed-headers list.
    public static func canonicalHeaders(_ headers: HeaderFields) -> (block: String, signedHeaders: String) {
        let c = CanonicalHeaders(headers)
        return (String(decoding: c.block, as: UTF8.self), String(decoding: c.signedNames, as: UTF8.self))
    }

    /// Stage 2: `AWS4-HMAC-SHA256\n<timestamp>\n<scope>\n<hex sha256 of the canonical request>`.
    public func stringToSign(canonicalRequest: String, date: Date) -> String {
        String(
            decoding: stringToSignBytes(Array(canonicalRequest.utf8), timestamp: SigV4Timestamp(date)),
            as: UTF8.self
        )
    }

    /// Stage 3: the signing key for `date`'s day (from the shared cache).
    public func signingKey(date: Date) -> SymmetricKey {
        keyCache.entry(
            secret: credentials.secretAccessKey,
            timestamp: SigV4Timestamp(date),
            region: region,
            service: service
        ).key
    }

    /// Stage 4: hex HMAC-SHA256 of the string to sign with the signing key.
    public func signature(stringToSign: String, date: Date) -> String {
        String(decoding: signatureBytes(Array(stringToSign.utf8), timestamp: SigV4Timestamp(date)), as: UTF8.self)
    }

    /// `20150830/us-east-1/service/aws4_request`.
    public func credentialScope(date: Date) -> String {
        var out = SigV4Timestamp(date).dateStamp
        out.append(contentsOf: scopeSuffix)
        return String(decoding: out, as: UTF8.self)
    }

    /// `20150830T123600Z`.
    public static func amzDate(_ date: Date) -> String { SigV4Timestamp(date).string }

    /// How many signing keys this signer (and its copies) derived rather than took from the cache.
    public var signingKeyDerivations: Int { keyCache.misses }

    // MARK: - Byte-level stages (the hot path)

    func canonicalRequestBytes(
        method: String,
        path: String,
        query: CanonicalQueryItems,
        headers: CanonicalHeaders,
        payloadHash: String
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + query.storage.count + headers.block.count)
        out.append(contentsOf: method.utf8)
        out.append(UInt8(ascii: "\n"))
        CanonicalURI.append(path: path, rules: options.path, to: &out)
        out.append(UInt8(ascii: "\n"))
        query.appendCanonical(to: &out)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: headers.block)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: headers.signedNames)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: payloadHash.utf8)
        return out
    }

    func stringToSignBytes(_ canonicalRequest: [UInt8], timestamp: SigV4Timestamp) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 + 16 + 8 + scopeSuffix.count + 64)
        appendStringToSignPrefix(timestamp: timestamp, to: &out)
        // update(bufferPointer:) rather than hash(data:): the DataProtocol path costs generic dispatch per call.
        var hasher = SHA256()
        canonicalRequest.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        Hex.append(hasher.finalize(), to: &out)
        return out
    }

    /// `AWS4-HMAC-SHA256\n<timestamp>\n<scope>\n`: the string to sign but the canonical request's hash.
    func appendStringToSignPrefix(timestamp: SigV4Timestamp, to out: inout [UInt8]) {
        out.append(contentsOf: Self.algorithm.utf8)
        out.append(UInt8(ascii: "\n"))
        timestamp.append(to: &out)
        out.append(UInt8(ascii: "\n"))
        timestamp.appendDateStamp(to: &out)
        out.append(contentsOf: scopeSuffix)
        out.append(UInt8(ascii: "\n"))
    }

    func signatureBytes(_ stringToSign: [UInt8], timestamp: SigV4Timestamp) -> [UInt8] {
        let mac = keyCache.preparedHMAC(
            secret: credentials.secretAccessKey,
            timestamp: timestamp,
            region: region,
            service: service
        )
        var out: [UInt8] = []
        out.reserveCapacity(64)
        stringToSign.withUnsafeBytes { mac.appendHexMAC(of: $0, to: &out) }
        return out
    }

    /// `AKID/20150830/us-east-1/service/aws4_request`.
    func appendCredential(timestamp: SigV4Timestamp, to out: inout [UInt8]) {
        out.append(contentsOf: credentials.accessKeyID.utf8)
        out.append(UInt8(ascii: "/"))
        timestamp.appendDateStamp(to: &out)
        out.append(contentsOf: scopeSuffix)
    }
}
