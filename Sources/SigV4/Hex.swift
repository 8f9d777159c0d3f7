import Crypto

/// Lower-case hex, through a table, straight into byte buffers (the signer never formats through String).
enum Hex {
    private static let digits: StaticString = "0123456789abcdef"

    static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * bytes.count) { hex in
            write(bytes, to: hex.baseAddress!)
            out.append(contentsOf: hex)
        }
    }

    /// Writes `2 * bytes.count` hex digits at `out`.
    static func write(_ bytes: UnsafeRawBufferPointer, to out: UnsafeMutablePointer<UInt8>) {
        let table = digits.utf8Start
        for (i, byte) in bytes.enumerated() {
            out[2 * i] = table[Int(byte >> 4)]
            out[2 * i + 1] = table[Int(byte & 0x0F)]
        }
    }

    static func append(_ digest: SHA256.Digest, to out: inout [UInt8]) {
        digest.withUnsafeBytes { append($0, to: &out) }
    }

    static func append(_ mac: HashedAuthenticationCode<SHA256>, to out: inout [UInt8]) {
        mac.withUnsafeBytes { append($0, to: &out) }
    }

    static func string(_ digest: SHA256.Digest) -> String {
        var out: [UInt8] = []
        append(digest, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
