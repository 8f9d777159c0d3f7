import Foundation
import LecternAPI
import Testing

@Suite("Verified bearer token cache") struct VerifiedTokenCacheTests {
    let secret = "token-cache-test-secret-0123456789abcdef"
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let ada = Principal(userID: "p-1", name: "Ada", role: .professor, courses: ["CS101"])

    @Test func aStoredTokenIsAHitUntilItsEntryIsDue() {
        // Given a token valid for an hour, stored with a 5-minute maximum age
        let cache = VerifiedTokenCache(capacity: 8, maxAge: .seconds(300))
        cache.store("t1", principal: ada, tokenExpires: start.addingTimeInterval(3600), now: start)
        // Then it is a hit within those 5 minutes, and due for a full check after them
        #expect(cache.lookup("t1", now: start.addingTimeInterval(299)) == .hit(ada))
        #expect(cache.lookup("t1", now: start.addingTimeInterval(300)) == .miss)
        #expect(cache.lookup("other", now: start) == .miss)
    }

    @Test func expiryIsCheckedOnEveryHit() {
        // Given a token that expires 60 s after it was stored (sooner than the cache's maximum age)
        let cache = VerifiedTokenCache(capacity: 8, maxAge: .seconds(300))
        cache.store("t1", principal: ada, tokenExpires: start.addingTimeInterval(60), now: start)
        #expect(cache.lookup("t1", now: start.addingTimeInterval(59.9)) == .hit(ada))
        // Then the moment it expires it is refused, not re-verified
        #expect(cache.lookup("t1", now: start.addingTimeInterval(60)) == .expired)
        #expect(cache.lookup("t1", now: start.addingTimeInterval(4000)) == .expired)
    }

    @Test func anAlreadyExpiredTokenIsNeverStored() {
        let cache = VerifiedTokenCache(capacity: 8)
        cache.store("late", principal: ada, tokenExpires: start, now: start)
        #expect(cache.count == 0)
        #expect(cache.lookup("late", now: start.addingTimeInterval(-10)) == .miss)
    }

    @Test func theOldestEntryMakesRoomWhenFull() {
        // Given a cache with room for two tokens
        let cache = VerifiedTokenCache(capacity: 2)
        let expires = start.addingTimeInterval(3600)
        for token in ["a", "b", "c"] { cache.store(token, principal: ada, tokenExpires: expires, now: start) }
        // Then the first one in is gone and the size stays bounded
        #expect(cache.count == 2)
        #expect(cache.lookup("a", now: start) == .miss)
        #expect(cache.lookup("b", now: start) == .hit(ada))
        #expect(cache.lookup("c", now: start) == .hit(ada))
        // And a token stored again after its entry lapsed takes a fresh slot without evicting a live one early
        cache.store("d", principal: ada, tokenExpires: expires, now: start)
        #expect(cache.lookup("b", now: start) == .miss)
        #expect(cache.lookup("c", now: start) == .hit(ada))
        #expect(cache.lookup("d", now: start) == .hit(ada))
        #expect(cache.count == 2)
    }

    @Test func staleSlotsDoNotEvictLiveEntries() {
        // Given "a" dropped for age and stored again (now in a newer slot)
        let cache = VerifiedTokenCache(capacity: 2, maxAge: .seconds(10))
        let expires = start.addingTimeInterval(3600)
        cache.store("a", principal: ada, tokenExpires: expires, now: start)
        #expect(cache.lookup("a", now: start.addingTimeInterval(10)) == .miss)
        cache.store("a", principal: ada, tokenExpires: expires, now: start.addingTimeInterval(10))
        // When the ring comes round to a's first slot
        cache.store("b", principal: ada, tokenExpires: expires, now: start.addingTimeInterval(10))
        // Then the live "a" (in its second slot) survived, and only when its own slot comes round is it evicted
        #expect(cache.lookup("a", now: start.addingTimeInterval(11)) == .hit(ada))
        cache.store("c", principal: ada, tokenExpires: expires, now: start.addingTimeInterval(11))
        #expect(cache.lookup("a", now: start.addingTimeInterval(11)) == .miss)
        #expect(cache.count == 2)
    }

    @Test func concurrentUseKeepsTheBound() async {
        let cache = VerifiedTokenCache(capacity: 16)
        let expires = Date().addingTimeInterval(3600)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in 0..<200 {
                        cache.store("w\(worker)-\(index)", principal: ada, tokenExpires: expires)
                        _ = cache.lookup("w\(worker)-\(index / 2)")
                    }
                }
            }
        }
        #expect(cache.count == 16)
    }

    // MARK: Through the authenticator

    @Test func theAuthenticatorAnswersRepeatsFromTheCache() async throws {
        let cache = VerifiedTokenCache()
        let authenticator = try await Authenticator(
            source: .sharedSecret(secret),
            issuer: nil,
            audience: nil,
            tokenCache: cache
        )
        let token = try await DevTokens.mint(
            secret: secret,
            role: .professor,
            user: "p-1",
            courses: ["CS101"],
            name: "Ada"
        )
        let first = try await authenticator.authenticate(authorization: "Bearer \(token)")
        #expect(cache.count == 1)
        #expect(cache.lookup(token) == .hit(first))
        #expect(try await authenticator.authenticate(token: token) == first)
    }

    @Test func aCachedTokenIsRefusedOnceItsClockSaysExpired() async throws {
        // Given a token valid for 60 s, verified and cached, and an authenticator whose clock we move
        let clock = MovableWallClock(Date())
        let authenticator = try await Authenticator(
            source: .sharedSecret(secret),
            issuer: nil,
            audience: nil,
            now: { clock.now }
        )
        let token = try await DevTokens.mint(
            secret: secret,
            role: .student,
            user: "s-1",
            courses: ["CS101"],
            expiresIn: 60
        )
        _ = try await authenticator.authenticate(token: token)
        // When the clock passes its expiry (the system clock, which jwt-kit reads, has not)
        clock.now = clock.now.addingTimeInterval(61)
        // Then it is a 401, although a fresh verification against the system clock would have passed
        await #expect { _ = try await authenticator.authenticate(token: token) } throws: { error in
            (error as? APIProblem)?.status == 401 && (error as? APIProblem)?.detail.contains("expired") == true
        }
    }

    @Test func forgedMalformedAndForbiddenTokensAreNeverCached() async throws {
        let cache = VerifiedTokenCache()
        let authenticator = try await Authenticator(
            source: .sharedSecret(secret),
            issuer: nil,
            audience: nil,
            tokenCache: cache
        )
        let forged = try await DevTokens.mint(secret: secret + "-other", role: .ops, user: "mallory")
        let janitor = try await DevTokens.mint(
            secret: secret,
            claims: LecternClaims(sub: "j", role: "janitor", expires: Date().addingTimeInterval(60))
        )
        let expired = try await DevTokens.mint(secret: secret, role: .student, user: "s", expiresIn: -60)
        for (token, status) in [(forged, 401), (janitor, 403), (expired, 401), ("not.a.jwt", 401)] {
            // Twice each: the second answer must come from a full verification too
            for _ in 0..<2 {
                await #expect { _ = try await authenticator.authenticate(token: token) } throws: { error in
                    (error as? APIProblem)?.status == status
                }
            }
            #expect(cache.lookup(token) == .miss)
        }
        #expect(cache.count == 0)
    }
}

/// A wall clock the test moves.
final class MovableWallClock: @unchecked Sendable {
    private let lock = NSLock()
    private var moment: Date
    init(_ moment: Date) { self.moment = moment }
    var now: Date {
        get { lock.withLock { moment } }
        set { lock.withLock { moment = newValue } }
    }
}
