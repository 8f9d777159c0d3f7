import Foundation

/// Bounds on a token's time claims beyond `exp` and `nbf`: how long a token may live at most (`exp - iat`), and how
/// far in the future its `iat` may lie (clocks differ a little between the identity provider and us).
///
/// Without them a token minted for ten years, or "issued" next year, was accepted for as long as it claimed.
public struct TokenLimits: Sendable, Equatable {
    /// The longest `exp - iat` accepted; a token without `iat` may not expire later than this from now.
    public var maxLifetime: Duration
    /// How far ahead of our clock an `iat` may be.
    public var issuedAtLeeway: Duration

    public static let defaultMaxLifetimeSeconds = 12 * 3_600
    public static let defaultIssuedAtLeewaySeconds = 60

    public init(
        maxLifetime: Duration = .seconds(defaultMaxLifetimeSeconds),
        issuedAtLeeway: Duration = .seconds(defaultIssuedAtLeewaySeconds)
    ) {
        self.maxLifetime = maxLifetime
        self.issuedAtLeeway = issuedAtLeeway
    }

    /// The problem with these claims at `now`, if any; the messages name our limits, never the token's own text.
    func violation(issuedAt: Date?, expires: Date, now: Date) -> APIProblem? {
        let lifetime = Self.seconds(maxLifetime)
        if let issuedAt {
            if issuedAt.timeIntervalSince(now) > Self.seconds(issuedAtLeeway) {
                return .unauthorized(
                    "the token claims to be issued in the future (iat); check the identity provider's clock"
                )
            }
            if expires.timeIntervalSince(issuedAt) > lifetime {
                return .unauthorized(
                    "the token lives longer than this API accepts (\(Int(lifetime)) s from iat to exp)"
                )
            }
        } else if expires.timeIntervalSince(now) > lifetime {
            return .unauthorized("the token has no iat and expires more than \(Int(lifetime)) s from now")
        }
        return nil
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
