import Foundation
import JWTKit
import LecternAPI
import Testing

/// Tokens may not live longer than the configured maximum, nor claim to be issued in the future.
@Suite("Token lifetimes") struct TokenLimitsTests {
    let secret = "token-limits-test-secret-0123456789"

    func authenticator(_ limits: TokenLimits = TokenLimits()) async throws -> Authenticator {
        try await Authenticator(source: .sharedSecret(secret), issuer: nil, audience: nil, limits: limits)
    }

    func refused(_ authenticator: Authenticator, _ token: String, mentioning words: String) async {
        // Twice: a refused token is never remembered, so the second look is a full check too.
        for _ in 0..<2 {
            await #expect {
                _ = try await authenticator.authenticate(token: token)
            } throws: { error in
                guard let problem = error as? APIProblem else { return false }
                return problem.status == 401 && problem.detail.contains(words)
            }
        }
    }

    @Test func aTokenLongerThanTwelveHoursIsRefusedByDefault() async throws {
        let auth = try await authenticator()
        let day = try await DevTokens.mint(secret: secret, role: .student, user: "s", expiresIn: 24 * 3_600)
        await refused(auth, day, mentioning: "lives longer")
        let decade = try await DevTokens.mint(secret: secret, role: .ops, user: "o", expiresIn: 10 * 365 * 86_400)
        await refused(auth, decade, mentioning: "lives longer")
        // Exactly the limit (what `lectern dev token` mints by default) is fine.
        let twelve = try await DevTokens.mint(secret: secret, role: .student, user: "s", expiresIn: 12 * 3_600)
        #expect(try await auth.authenticate(token: twelve).userID == "s")
        #expect(try await auth.authenticate(token: twelve).userID == "s")
    }

    @Test func theMaximumLifetimeIsConfigurable() async throws {
        let strict = try await authenticator(TokenLimits(maxLifetime: .seconds(3_600)))
        let twoHours = try await DevTokens.mint(secret: secret, role: .student, user: "s", expiresIn: 7_200)
        await refused(strict, twoHours, mentioning: "3600 s")
        let lenient = try await authenticator(TokenLimits(maxLifetime: .seconds(48 * 3_600)))
        let day = try await DevTokens.mint(secret: secret, role: .student, user: "s", expiresIn: 24 * 3_600)
        #expect(try await lenient.authenticate(token: day).role == .student)
    }

    @Test func anIssuedAtInTheFutureIsRefusedBeyondTheLeeway() async throws {
        let auth = try await authenticator()
        let later = try await DevTokens.mint(
            secret: secret,
            role: .student,
            user: "s",
            expiresIn: 3_600,
            now: Date().addingTimeInterval(600)
        )
        await refused(auth, later, mentioning: "issued in the future")
        // A clock a few seconds ahead is within the 60 s leeway.
        let skewed = try await DevTokens.mint(
            secret: secret,
            role: .student,
            user: "s",
            expiresIn: 3_600,
            now: Date().addingTimeInterval(20)
        )
        #expect(try await auth.authenticate(token: skewed).userID == "s")
    }

    @Test func aTokenWithoutIssuedAtMayNotExpireLaterThanTheLimitFromNow() async throws {
        let auth = try await authenticator()
        let far = try await DevTokens.mint(
            secret: secret,
            claims: LecternClaims(sub: "s", role: "student", expires: Date().addingTimeInterval(13 * 3_600))
        )
        await refused(auth, far, mentioning: "no iat")
        let near = try await DevTokens.mint(
            secret: secret,
            claims: LecternClaims(sub: "s", role: "student", expires: Date().addingTimeInterval(3_600))
        )
        #expect(try await auth.authenticate(token: near).userID == "s")
    }
}
