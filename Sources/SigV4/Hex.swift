import Crypto

/// Lower-case hex, through a table, straight into byte buffers (the signer never formats through String).
enum Hex {
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 {
        // 0-9 -> '0'-'9', 10-15 -> 'a'-'f' without a branch the optimiser can't see through.
        nibble < 10 ? nibble &+ 0x30 : nibble &+ 0x57
    }

    static func append(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        for byte in bytes {
            out.append(digit(byte >> 4))
            out.append(digit(byte & 0x0F))
        }
    }

    static func append(_ digest: some Digest, to out: inout [UInt8]) {
        digest.withUnsafeBytes { append($0, to: &out) }
    }

    static func append(_ mac: HashedAuthenticationCode<SHA256>, to out: inout [UInt8]) {
        mac.withUnsafeBytes { append($0, to: &out) }
    }

    static func string(_ digest: some Digest) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        append(digest, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
