import SigV4
import Synchronization

/// The signer for the credentials last seen, reused while they stay the same. A signer derives its signing key (four
/// HMACs) and encodes its credential scope when first used, and keeps both; making a fresh one per request paid for
/// that on every call. New credentials (a rotation, an ECS role refresh) get a new signer.
final class SignerCache: Sendable {
    private let last = Mutex<SigV4Signer?>(nil)

    func signer(for credentials: AWSCredentials, make: (AWSCredentials) -> SigV4Signer) -> SigV4Signer {
        if let cached = last.withLock({ $0 }), cached.credentials == credentials { return cached }
        let fresh = make(credentials)
        last.withLock { $0 = fresh }
        return fresh
    }
}
