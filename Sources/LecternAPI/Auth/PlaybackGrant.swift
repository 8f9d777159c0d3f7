import Crypto
import Foundation

/// Permission to play one lecture, for one user, until `expires`: what playlist links carry instead of the user's
/// bearer token. A player cannot send headers, so whatever authorises a playlist fetch ends up in the URL — and from
/// there in load-balancer logs, browser history and caches. A grant that leaks there opens one lecture's playlists
/// for at most `LECTERN_PLAYBACK_URL_SECONDS` (the lifetime of the presigned links it leads to), and nothing else.
public struct PlaybackGrant: Sendable, Equatable, Codable {
    public var lectureID: String
    public var userID: String
    /// The role and the course the lecture was in when the grant was minted; each use checks them against the
    /// lecture's record again (`LectureAccess.requireRead`), which the route reads anyway.
    public var role: Role
    public var course: String
    /// Whole seconds since 1970.
    public var expires: Int64

    enum CodingKeys: String, CodingKey {
        case lectureID = "l", userID = "u", role = "r", course = "c", expires = "e"
    }

    /// Who the grant speaks for, as the handlers see callers: a member of the lecture's course only.
    public var principal: Principal {
        Principal(
            userID: userID,
            role: role,
            courses: [course],
            expires: Date(timeIntervalSince1970: TimeInterval(expires))
        )
    }
}

/// The server key that signs grants: at least 32 random bytes. Every API task behind the load balancer needs the same
/// one (`LECTERN_PLAYBACK_KEY`, base64), or a grant minted by one task is refused by the next.
public struct PlaybackKey: Sendable {
    public enum Origin: Sendable, Equatable {
        /// From the configuration: shared by every task that has the same setting.
        case configured
        /// Made at random when this value was: good for one process only.
        case generated
    }

    public static let minimumBytes = 32
    let key: SymmetricKey
    public let origin: Origin

    /// `text`: standard or URL-safe base64, padding optional. Nil unless it decodes to at least 32 bytes.
    public init?(base64 text: String) {
        var base64 = text.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let bytes = Data(base64Encoded: base64), bytes.count >= Self.minimumBytes else { return nil }
        key = SymmetricKey(data: bytes)
        origin = .configured
    }

    /// A key for this process alone: grants it signs are refused by any other API task.
    public static func random() -> PlaybackKey { PlaybackKey(key: SymmetricKey(size: .bits256), origin: .generated) }

    private init(key: SymmetricKey, origin: Origin) {
        self.key = key
        self.origin = origin
    }
}

/// Mints and checks grants. A grant is `<payload>.<mac>`, both base64url without padding (URL-safe as it is, about
/// 180 characters): the payload is the grant's JSON, the mac HMAC-SHA256 over a label and the payload. Two parts,
/// where a JWT has three, so a grant never parses as a bearer token and a bearer token never as a grant; the key is
/// not the token key either. Checking one costs one HMAC and one small JSON decode, no I/O.
public struct PlaybackGrants: Sendable {
    /// The query parameter playback links carry it in.
    public static let queryParameter = "grant"
    /// Longer input is refused before any work: a real grant is a few hundred bytes at most.
    static let maximumLength = 2_048
    /// Binds the mac to this use of the key.
    private static let label = Data("lectern-playback-grant-v1.".utf8)

    let key: PlaybackKey
    /// How long a grant lasts: the presigned links' lifetime, so a grant never outlives what it leads to.
    public let lifetimeSeconds: Int

    public init(key: PlaybackKey, lifetimeSeconds: Int) {
        self.key = key
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// A grant for `caller` to play lecture `lectureID` of `course` (the caller's right to read it checked already),
    /// for `lifetimeSeconds` but never past the caller's own token: a grant gives no access the token did not.
    public func mint(lecture lectureID: String, course: String, for caller: Principal, now: Date = Date()) -> String {
        var expires = Int64(now.timeIntervalSince1970.rounded(.down)) + Int64(lifetimeSeconds)
        if let tokenExpires = caller.expires {
            expires = min(expires, Int64(tokenExpires.timeIntervalSince1970.rounded(.down)))
        }
        return sign(
            PlaybackGrant(
                lectureID: lectureID,
                userID: caller.userID,
                role: caller.role,
                course: course,
                expires: expires
            )
        )
    }

    /// Any grant, signed with this key (tests build expired and odd ones with it).
    public func sign(_ grant: PlaybackGrant) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Encoding five strings and an integer cannot fail.
        let payload = Self.base64URL((try? encoder.encode(grant)) ?? Data())
        return payload + "." + Self.base64URL(Data(mac(payload)))
    }

    /// The grant `text` stands for, if this key signed it, it has not expired and it is for `lectureID`.
    /// Every failure is a 401 but the wrong lecture, a 403: the grant is genuine, just not for this.
    public func verify(
        _ text: String,
        forLecture lectureID: String,
        now: Date = Date()
    ) throws(APIProblem) -> PlaybackGrant {
        let parts =
            text.utf8.count <= Self.maximumLength ? text.split(separator: ".", omittingEmptySubsequences: false) : []
        // Only the canonical spelling of the mac: base64 leaves the last character's low bits unused, and a decoder
        // ignores them, so several texts would otherwise pass for one grant.
        guard parts.count == 2, let mac = Self.base64URLDecode(parts[1]), Self.base64URL(mac) == parts[1] else {
            throw .unauthorized("the \(Self.queryParameter) parameter is not a playback grant")
        }
        guard
            HMAC<SHA256>.isValidAuthenticationCode(
                mac,
                authenticating: Self.label + Data(parts[0].utf8),
                using: key.key
            )
        else {
            throw .unauthorized("the playback grant's signature does not verify")
        }
        guard let payload = Self.base64URLDecode(parts[0]),
            let grant = try? JSONDecoder().decode(PlaybackGrant.self, from: payload)
        else {
            throw .unauthorized("the playback grant is malformed")
        }
        guard Double(grant.expires) > now.timeIntervalSince1970 else {
            throw .unauthorized("the playback grant has expired; read the lecture again for fresh links")
        }
        guard grant.lectureID == lectureID else { throw .forbidden("this playback grant is for another lecture") }
        return grant
    }

    private func mac(_ payload: String) -> HashedAuthenticationCode<SHA256> {
        HMAC<SHA256>.authenticationCode(for: Self.label + Data(payload.utf8), using: key.key)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        // Only the URL-safe alphabet: a grant that went through a '+'-mangling query parser is refused, not guessed at.
        guard text.utf8.allSatisfy(isBase64URL) else { return nil }
        return Authenticator.base64URLDecode(text)
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}

extension APIConfig {
    /// Grants signed with this configuration's key, lasting as long as its presigned playback links.
    public var playbackGrants: PlaybackGrants { PlaybackGrants(key: playbackKey, lifetimeSeconds: playbackURLSeconds) }
}

extension APIProblem {
    /// `?access_token=` on any route. The token itself is never echoed: the answer may be logged too.
    static var tokenInQuery: APIProblem {
        APIProblem(
            status: 401,
            kind: "token-in-query",
            title: "Authentication required",
            detail: """
                tokens are not accepted in the query string: send yours in the Authorization header (Bearer), \
                or play through the playback links (with their \(PlaybackGrants.queryParameter) parameter) \
                that GET /v1/lectures/{id} hands out
                """,
            headers: ["WWW-Authenticate": #"Bearer realm="lectern", error="invalid_request""#]
        )
    }
}
