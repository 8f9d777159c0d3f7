import Crypto
import Foundation

/// Presigned URLs that differ only in the value of one query parameter (UploadPart URLs for a batch of part
/// numbers), each byte for byte what `SigV4Signer.presignedURLString` gives for the same request.
///
/// Everything that does not depend on the value is built once: the URL around the value, the canonical request
/// hashed up to the value (SHA-256 states are values: the prepared state is copied per URL), the rest of the
/// canonical request, and the signing key with the string to sign's fixed start already absorbed. A URL then
/// costs SHA-256 over the rest of its canonical request (about a hundred bytes), the HMAC of 64 hex digits and
/// the allocation of its text (plus swift-crypto's copy of each hash state it resumes).
public struct PresignTemplate: Sendable {
    /// The varying parameter's name, as given.
    public let parameter: String
    /// `scheme://authority/path?…&name=`: the URL up to the value.
    private let urlHead: [UInt8]
    /// After the value, up to and including `X-Amz-Signature=`.
    private let urlMiddle: [UInt8]
    /// SHA-256 of the canonical request up to the value.
    private let canonicalHead: SHA256
    /// The canonical request after the value.
    private let canonicalTail: [UInt8]
    /// The signing key's HMAC with `AWS4-HMAC-SHA256\n<timestamp>\n<scope>\n` absorbed.
    private let signing: PreparedHMAC

    init(
        signer: SigV4Signer,
        request: SigV4Request,
        parameter: String,
        expires: Int,
        payload: PayloadHash?,
        timestamp: SigV4Timestamp
    ) throws(SigV4Error) {
        try SigV4Signer.checkExpires(expires)
        var name: [UInt8] = []
        AWSPercentEncoding.append(parameter.utf8, keepingSlashes: false, to: &name)
        let draft = signer.presignDraft(
            request,
            expires: expires,
            payload: payload,
            timestamp: timestamp,
            varyingName: name
        )
        guard let canonicalSlot = draft.canonicalSlot, let querySlot = draft.originalSlot else {
            throw SigV4Error(.varyingParameterNotInQuery, "\(parameter) in \(request.query)")
        }
        self.parameter = parameter

        var head: [UInt8] = []
        head.reserveCapacity(
            request.scheme.utf8.count + request.authority.utf8.count + request.path.utf8.count + querySlot + 4
        )
        if !request.scheme.isEmpty {
            head.append(contentsOf: request.scheme.utf8)
            head.append(contentsOf: "://".utf8)
            head.append(contentsOf: request.authority.utf8)
        }
        head.append(contentsOf: request.path.utf8)
        head.append(UInt8(ascii: "?"))
        head.append(contentsOf: draft.originalQuery[..<querySlot])
        urlHead = head
        // The slot is one of the request's own parameters, so the original query is not empty: `&` follows it.
        urlMiddle = Array(draft.originalQuery[querySlot...]) + [UInt8(ascii: "&")] + draft.addedQuery

        var hasher = SHA256()
        draft.canonicalRequest.withUnsafeBytes {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<canonicalSlot]))
        }
        canonicalHead = hasher
        canonicalTail = Array(draft.canonicalRequest[canonicalSlot...])

        var prefix: [UInt8] = []
        signer.appendStringToSignPrefix(timestamp: timestamp, to: &prefix)
        let key = signer.keyCache.preparedHMAC(
            secret: signer.credentials.secretAccessKey,
            timestamp: timestamp,
            region: signer.region,
            service: signer.service
        )
        signing = prefix.withUnsafeBytes { key.absorbing($0) }
    }

    /// The presigned URL with `value` (raw, not yet percent-encoded) as the varying parameter's value; encoded as
    /// the signer encodes every query value.
    public func urlString(varying value: String) -> String {
        var value = value
        return value.withUTF8 { raw in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(3 * raw.count, 1)) { buffer in
                var count = 0
                for byte in raw {
                    count += AWSPercentEncoding.writeEncoded(byte, to: buffer.baseAddress! + count)
                }
                return urlString(encodedValue: UnsafeBufferPointer(start: buffer.baseAddress, count: count))
            }
        }
    }

    /// The presigned URL with `value` in decimal (a part number) as the varying parameter's value.
    public func urlString(varying value: Int) -> String {
        // Decimal digits and `-` are unreserved: the text is its own encoding.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var magnitude = value.magnitude
            var start = 20
            repeat {
                start -= 1
                buffer[start] = UInt8(truncatingIfNeeded: 0x30 + magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            return urlString(encodedValue: UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }

    private func urlString(encodedValue value: UnsafeBufferPointer<UInt8>) -> String {
        var hasher = canonicalHead
        hasher.update(bufferPointer: UnsafeRawBufferPointer(value))
        canonicalTail.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        let canonicalHash = hasher.finalize()
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { scratch in
            // The string to sign's last line (the canonical hash in hex), then the signature after it.
            let hashHex = scratch.baseAddress!
            canonicalHash.withUnsafeBytes { Hex.write($0, to: hashHex) }
            let signature = hashHex + 64
            signing.writeHexMAC(of: UnsafeRawBufferPointer(start: hashHex, count: 64), to: signature)

            let count = urlHead.count + value.count + urlMiddle.count + 64
            return urlHead.withUnsafeBufferPointer { head in
                urlMiddle.withUnsafeBufferPointer { middle in
                    String(unsafeUninitializedCapacity: count) { out in
                        var n = 0
                        func put(_ part: UnsafeBufferPointer<UInt8>) {
                            guard let base = part.baseAddress, !part.isEmpty else { return }
                            UnsafeMutableRawPointer(out.baseAddress! + n).copyMemory(from: base, byteCount: part.count)
                            n += part.count
                        }
                        put(head)
                        put(value)
                        put(middle)
                        put(UnsafeBufferPointer(start: signature, count: 64))
                        return n
                    }
                }
            }
        }
    }
}

extension SigV4Signer {
    /// A template for presigned URLs of `request` that differ only in the value of the query parameter named
    /// `parameter` (its value in `request` is a placeholder and is ignored). The parameter must be in the query
    /// exactly once, so its place in the canonical order does not depend on its value.
    public func presignTemplate(
        _ request: SigV4Request,
        varying parameter: String,
        expires: Int,
        payload: PayloadHash? = nil,
        date: Date = Date()
    ) throws(SigV4Error) -> PresignTemplate {
        try PresignTemplate(
            signer: self,
            request: request,
            parameter: parameter,
            expires: expires,
            payload: payload,
            timestamp: SigV4Timestamp(date)
        )
    }

    /// The same from the URL's text, e.g. `https://b.s3.amazonaws.com/k?partNumber=&uploadId=…` varying `partNumber`.
    public func presignTemplate(
        method: String,
        urlString: String,
        varying parameter: String,
        headers: HeaderFields = [],
        expires: Int,
        payload: PayloadHash? = nil,
        date: Date = Date()
    ) throws(SigV4Error) -> PresignTemplate {
        try presignTemplate(
            SigV4Request(method: method, urlString: urlString, headers: headers),
            varying: parameter,
            expires: expires,
            payload: payload,
            date: date
        )
    }
}
