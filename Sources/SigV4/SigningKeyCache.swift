import Crypto
import Synchronization

/// Signing keys by (secret, day, region, service). Deriving one costs four HMACs; a signer makes the same
/// one all day, so it is derived once and shared by every copy of the signer (they share this object).
final class SigningKeyCache: Sendable {
    struct Entry: Sendable {
        var secret: String
        var day: UInt64
        var region: String
        var service: String
        var key: SymmetricKey
        /// HMAC already keyed with `key`: copying it skips the key schedule on every signature.
        var keyedHMAC: PreparedHMAC
    }

    /// Two days cover a signer used across midnight; a few more cover rotating secrets.
    static let capacity = 4
    private let entries = Mutex<[Entry]>([])
    private let missCounter = Atomic<Int>(0)

    /// How many keys were derived (tests check that a second call is a hit).
    var misses: Int { missCounter.load(ordering: .relaxed) }

    /// The keyed HMAC for the day; the hot path (copies only what a signature needs out of the lock).
    func preparedHMAC(secret: String, timestamp: SigV4Timestamp, region: String, service: String) -> PreparedHMAC {
        let day = timestamp.day
        let hit: PreparedHMAC? = entries.withLock { list in
            for entry in list
            where entry.day == day && entry.secret == secret && entry.region == region
                && entry.service == service
            {
                return entry.keyedHMAC
            }
            return nil
        }
        return hit ?? entry(secret: secret, timestamp: timestamp, region: region, service: service).keyedHMAC
    }

    func entry(secret: String, timestamp: SigV4Timestamp, region: String, service: String) -> Entry {
        let day = timestamp.day
        if let hit = entries.withLock({ list in
            list.first { $0.day == day && $0.secret == secret && $0.region == region && $0.service == service }
        }) {
            return hit
        }
        let dateStamp = timestamp.dateStamp
        missCounter.add(1, ordering: .relaxed)
        let key = Self.deriveKey(secret: secret, dateStamp: dateStamp, region: region, service: service)
        let fresh = Entry(
            secret: secret,
            day: day,
            region: region,
            service: service,
            key: key,
            keyedHMAC: PreparedHMAC(key: key)
        )
        entries.withLock { list in
            list.insert(fresh, at: 0)
            if list.count > Self.capacity { list.removeLast() }
        }
        return fresh
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    static func deriveKey(secret: String, dateStamp: [UInt8], region: String, service: String) -> SymmetricKey {
        let kSecret = SymmetricKey(data: Array(("AWS4" + secret).utf8))
        let kDate = HMAC<SHA256>.authenticationCode(for: dateStamp, using: kSecret)
        let kRegion = HMAC<SHA256>.authenticationCode(for: Array(region.utf8), using: SymmetricKey(data: kDate))
        let kService = HMAC<SHA256>.authenticationCode(for: Array(service.utf8), using: SymmetricKey(data: kRegion))
        let kSigning = HMAC<SHA256>.authenticationCode(
            for: Array("aws4_request".utf8),
            using: SymmetricKey(data: kService)
        )
        return SymmetricKey(data: kSigning)
    }
}
