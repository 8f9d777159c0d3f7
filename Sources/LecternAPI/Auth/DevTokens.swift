import Foundation
import JWTKit

/// HS256 tokens signed with the shared development secret, for tests and `lectern dev token`.
public enum DevTokens {
    public static func mint(
        secret: String,
        role: Role,
        user: String,
        courses: [String] = [],
        name: String? = nil,
        expiresIn: TimeInterval = 3600,
        issuer: String? = nil,
        audience: String? = nil,
        now: Date = Date(),
        email: String? = nil
    ) async throws -> String {
        // NumericDate may carry a fraction, but identity providers write whole seconds and some verifiers expect them.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = LecternClaims(
            sub: user,
            name: name,
            role: role.rawValue,
            courses: courses,
            expires: now.addingTimeInterval(expiresIn.rounded(.down)),
            issuedAt: now,
            issuer: issuer,
            audience: audience,
            email: email
        )
        return try await mint(secret: secret, claims: claims)
    }

    /// Any claims, for tests that need odd tokens (unknown roles, wrong audiences).
    public static func mint(secret: String, claims: LecternClaims) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(claims)
    }
}
