import Crypto

/// HMAC-SHA256 with the key already absorbed: the inner and outer SHA-256 states after the padded key
/// block. Copying the two states per message skips the key schedule and swift-crypto's generic
/// `HMAC.update(data:)` path — about 40% of a signature's cost.
struct PreparedHMAC: Sendable {
    private let inner: SHA256
    private let outer: SHA256

    init(key: SymmetricKey) {
        var block = [UInt8](repeating: 0, count: 64)
        key.withUnsafeBytes { keyBytes in
            if keyBytes.count > 64 {
                SHA256.hash(data: keyBytes).withUnsafeBytes { digest in
                    for i in 0..<digest.count { block[i] = digest[i] }
                }
            } else {
                for i in 0..<keyBytes.count { block[i] = keyBytes[i] }
            }
        }
        var inner = SHA256()
        var outer = SHA256()
        block.map { $0 ^ 0x36 }.withUnsafeBytes { inner.update(bufferPointer: $0) }
        block.map { $0 ^ 0x5C }.withUnsafeBytes { outer.update(bufferPointer: $0) }
        self.inner = inner
        self.outer = outer
    }

    private init(inner: SHA256, outer: SHA256) {
        self.inner = inner
        self.outer = outer
    }

    /// The same key with `prefix` already fed to the inner hash: MACs of messages that all start with `prefix`
    /// (a batch's string-to-sign up to the canonical request's hash) then hash only the rest.
    func absorbing(_ prefix: UnsafeRawBufferPointer) -> PreparedHMAC {
        var inner = inner
        inner.update(bufferPointer: prefix)
        return PreparedHMAC(inner: inner, outer: outer)
    }

    /// Appends the lower-case hex MAC of `message`.
    func appendHexMAC(of message: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        Hex.append(mac(of: message), to: &out)
    }

    /// Writes the 64 lower-case hex digits of the MAC of `message` at `out`.
    func writeHexMAC(of message: UnsafeRawBufferPointer, to out: UnsafeMutablePointer<UInt8>) {
        mac(of: message).withUnsafeBytes { Hex.write($0, to: out) }
    }

    private func mac(of message: UnsafeRawBufferPointer) -> SHA256.Digest {
        var innerHasher = inner
        innerHasher.update(bufferPointer: message)
        let innerDigest = innerHasher.finalize()
        var outerHasher = outer
        innerDigest.withUnsafeBytes { outerHasher.update(bufferPointer: $0) }
        return outerHasher.finalize()
    }
}
