import Foundation
import JWTKit

/// The claims a Lectern bearer token carries: `sub`, `name`, `role`, `courses`, plus the registered time,
/// issuer and audience claims.
public struct LecternClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var name: String?
    public var role: String
    public var courses: [String]?
    /// The holder's e-mail address (OIDC's `email` claim), when the identity provider includes it: where a
    /// professor's outcome mails go. Optional; a token without it works the same, minus the mail.
    public var email: String?
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim?
    public var nbf: NotBeforeClaim?
    public var iss: IssuerClaim?
    public var aud: AudienceClaim?

    public init(
        sub: String,
        name: String? = nil,
        role: String,
        courses: [String]? = nil,
        expires: Date,
        issuedAt: Date? = nil,
        issuer: String? = nil,
        audience: String? = nil,
        email: String? = nil
    ) {
        self.sub = SubjectClaim(value: sub)
        self.name = name
        self.role = role
        self.courses = courses
        self.email = email
        self.exp = ExpirationClaim(value: expires)
        self.iat = issuedAt.map { IssuedAtClaim(value: $0) }
        self.iss = issuer.map { IssuerClaim(value: $0) }
        self.aud = audience.map { AudienceClaim(value: [$0]) }
    }

    /// Signature aside (jwt-kit checks that first), the time claims: an expired or not-yet-valid token is refused.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore()
    }
}
