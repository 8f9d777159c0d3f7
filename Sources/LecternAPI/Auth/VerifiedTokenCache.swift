import Foundation
import Synchronization

/// Bearer tokens that passed every check recently, keyed by the exact token text, so a client that sends the same
/// token on every request pays for one signature check and one claims decode every few minutes instead of on every
/// request (under load those were a tenth of the API's CPU, and they ran one at a time on the authenticator actor).
///
/// The rules that keep this safe:
/// - only a token that verified completely (signature, algorithm, time claims, issuer, audience, role) goes in;
///   failures are never stored, so a forged or broken token costs a full verification every time;
/// - an entry is good until the token's own `exp` or `maxAge` after it was stored, whichever comes first;
/// - every hit checks the token's `exp` again, so an expired token is refused the moment it expires;
/// - at most `capacity` entries: a new one replaces the oldest (first in, first out), so memory is bounded;
/// - new signing keys (a JWKS refetch) empty the cache.
public final class VerifiedTokenCache: Sendable {
    public enum Lookup: Sendable, Equatable {
        /// Verified earlier and still valid.
        case hit(Principal)
        /// Verified earlier, but its `exp` has passed: refuse it.
        case expired
        /// Not here (never verified, evicted, or older than `maxAge`): verify it.
        case miss
    }

    private struct Entry {
        var principal: Principal
        var tokenExpires: Date
        var storedUntil: Date
        /// Its place in `order`, so eviction can tell a live entry from a stale slot.
        var slot: Int
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Tokens in insertion order, as a ring: `order[next]` is the oldest slot, the next to be reused.
        var order: [String?]
        var next = 0
    }

    public let capacity: Int
    public let maxAge: Duration
    private let state: Mutex<State>

    /// `capacity` ≥ 1 entries, each kept at most `maxAge`.
    public init(capacity: Int = 4096, maxAge: Duration = .seconds(300)) {
        precondition(capacity >= 1, "a token cache needs room for at least one token")
        self.capacity = capacity
        self.maxAge = maxAge
        state = Mutex(State(order: Array(repeating: nil, count: capacity)))
    }

    public func lookup(_ token: String, now: Date = Date()) -> Lookup {
        state.withLock { state in
            guard let entry = state.entries[token] else { return .miss }
            // The token's own expiry first: an expired token is refused even when its entry is due for re-checking.
            if now >= entry.tokenExpires { return .expired }
            if now >= entry.storedUntil {
                state.entries.removeValue(forKey: token)
                return .miss
            }
            return .hit(entry.principal)
        }
    }

    /// Stores a token that has just verified completely, valid until `tokenExpires` (its `exp` claim).
    public func store(_ token: String, principal: Principal, tokenExpires: Date, now: Date = Date()) {
        guard now < tokenExpires else { return }
        let storedUntil = min(tokenExpires, now.addingTimeInterval(Self.seconds(maxAge)))
        state.withLock { state in
            if var existing = state.entries[token] {
                existing.principal = principal
                existing.tokenExpires = tokenExpires
                existing.storedUntil = storedUntil
                state.entries[token] = existing
                return
            }
            let slot = state.next
            if let oldest = state.order[slot], state.entries[oldest]?.slot == slot {
                state.entries.removeValue(forKey: oldest)
            }
            state.order[slot] = token
            state.next = (slot + 1) % capacity
            state.entries[token] = Entry(
                principal: principal,
                tokenExpires: tokenExpires,
                storedUntil: storedUntil,
                slot: slot
            )
        }
    }

    /// Forgets every token (the signing keys changed).
    public func removeAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.order = Array(repeating: nil, count: capacity)
            state.next = 0
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
