import AWS
import Foundation
import JWTKit

/// Where token signing keys come from.
public enum TokenKeySource: Sendable, Equatable {
    /// HS256 with a shared secret: local development only.
    case sharedSecret(String)
    /// RS256/ES256 public keys from a JWKS document on disk.
    case jwksFile(String)
    /// RS256/ES256 public keys from a JWKS URL, fetched at start and again (at most once a minute) when a token
    /// names a key id we do not know, so the identity provider can rotate keys.
    case jwksURL(URL)
}

/// Verifies bearer tokens: signature (jwt-kit), algorithm allow-list, expiry, issuer, audience, and the Lectern
/// claims. Every failure is a 401 with a reason; a valid token with a role we do not know is a 403.
///
/// Tokens that verified are remembered for a few minutes (`VerifiedTokenCache`): a hit is answered without leaving
/// the caller's task, only misses queue on the actor for a full verification.
public actor Authenticator {
    private let source: TokenKeySource
    private let issuer: String?
    private let audience: String?
    private let limits: TokenLimits
    private let transport: (any HTTPTransport)?
    private var keys = JWTKeyCollection()
    private var knownKeyIDs: Set<String> = []
    private var lastFetch: ContinuousClock.Instant?
    private let refetchInterval: Duration
    /// Counts key installs, so a verification that straddled one is not remembered.
    private var keyGeneration: UInt64 = 0
    /// Verified tokens; emptied whenever the keys change.
    public nonisolated let tokenCache: VerifiedTokenCache
    /// Wall-clock time for token expiry (tests move it).
    private nonisolated let now: @Sendable () -> Date

    private var allowedAlgorithms: Set<String> {
        if case .sharedSecret = source { return ["HS256"] }
        return ["RS256", "ES256"]
    }

    /// Loads the keys now, so a bad JWKS stops the server at start with a clear message.
    /// `refetchInterval`: how long after a JWKS fetch an unknown key id may trigger the next one.
    /// `tokenCache`: where verified tokens are remembered; `now`: the clock their expiry is checked against.
    /// `limits`: the longest lifetime and the `iat` leeway accepted (checked before a token is remembered, so a
    /// remembered token has passed them).
    public init(
        source: TokenKeySource,
        issuer: String?,
        audience: String?,
        limits: TokenLimits = TokenLimits(),
        transport: (any HTTPTransport)? = nil,
        refetchInterval: Duration = .seconds(60),
        tokenCache: VerifiedTokenCache = VerifiedTokenCache(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws {
        self.source = source
        self.tokenCache = tokenCache
        self.now = now
        self.refetchInterval = refetchInterval
        self.issuer = issuer
        self.audience = audience
        self.limits = limits
        self.transport = transport
        try await loadKeys()
    }

    private func loadKeys() async throws {
        switch source {
        case .sharedSecret(let secret):
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        case .jwksFile(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw APIConfigError(problems: ["LECTERN_JWKS_FILE=\(path) cannot be read"])
            }
            try await install(jwks: data, from: path)
        case .jwksURL(let url):
            guard let transport else { throw APIConfigError(problems: ["a JWKS URL needs an HTTP transport"]) }
            lastFetch = .now
            let response = try await transport.execute(
                HTTPRequest(method: "GET", url: url, destination: .memory(limit: 1 << 20))
            )
            guard response.status == 200 else {
                throw APIConfigError(problems: ["LECTERN_JWKS_URL=\(url) answered HTTP \(response.status)"])
            }
            try await install(jwks: response.body, from: url.absoluteString)
        }
    }

    private func install(jwks data: Data, from origin: String) async throws {
        let jwks: JWKS
        do { jwks = try JSONDecoder().decode(JWKS.self, from: data) } catch {
            throw APIConfigError(problems: ["\(origin) is not a JWKS document: \(error)"])
        }
        let fresh = JWTKeyCollection()
        var ids: Set<String> = []
        for key in jwks.keys {
            guard let id = key.keyIdentifier?.string else {
                throw APIConfigError(problems: ["\(origin): every key needs a \"kid\""])
            }
            do { try await fresh.add(jwk: key) } catch {
                throw APIConfigError(problems: ["\(origin): key \(id) cannot be used: \(error)"])
            }
            ids.insert(id)
        }
        guard !ids.isEmpty else { throw APIConfigError(problems: ["\(origin) holds no keys"]) }
        keys = fresh
        knownKeyIDs = ids
        // A key that was rotated out must not keep vouching for the tokens it signed.
        keyGeneration &+= 1
        tokenCache.removeAll()
    }

    /// The caller behind an `Authorization` header value.
    public nonisolated func authenticate(authorization: String?) async throws(APIProblem) -> Principal {
        guard let authorization, !authorization.isEmpty else {
            throw .unauthorized("send a bearer token in the Authorization header")
        }
        if let token = Self.plainBearerToken(authorization) { return try await authenticate(token: token) }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].caseInsensitiveCompare("Bearer") == .orderedSame else {
            throw .unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        return try await authenticate(token: String(parts[1]).trimmingCharacters(in: .whitespaces))
    }

    /// The token of the usual header, `Bearer <visible ASCII>`, found without Foundation's (bridged, Unicode)
    /// trimming and comparison; nil for anything else, which the general parse above handles. Both agree where
    /// this one answers: nothing to trim, and "Bearer" compared ignoring ASCII case.
    static func plainBearerToken(_ header: String) -> String? {
        let utf8 = header.utf8
        guard utf8.count > 7 else { return nil }
        var index = utf8.startIndex
        for expected in "bearer ".utf8 {
            let byte = utf8[index]
            guard
                byte == expected || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") && byte | 0x20 == expected)
            else { return nil }
            index = utf8.index(after: index)
        }
        let token = utf8[index...]
        guard token.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return String(Substring(token))
    }

    public nonisolated func authenticate(token: String) async throws(APIProblem) -> Principal {
        let moment = now()
        switch tokenCache.lookup(token, now: moment) {
        case .hit(let principal): return principal
        case .expired: throw Self.expired
        case .miss: break
        }
        return try await verifyAndRemember(token: token, now: moment)
    }

    /// A full verification whose success is remembered, unless the keys changed while it ran (a JWKS refetch during
    /// its suspension): then the token was checked against keys that are gone, and it is answered but not kept.
    private func verifyAndRemember(token: String, now moment: Date) async throws(APIProblem) -> Principal {
        let generation = keyGeneration
        let (principal, expires) = try await verify(token: token, now: moment)
        // jwt-kit checked `exp` against the system clock; ours decides too, so a hit and a miss agree.
        guard moment < expires else { throw Self.expired }
        if generation == keyGeneration {
            tokenCache.store(token, principal: principal, tokenExpires: expires, now: moment)
        }
        return principal
    }

    private static var expired: APIProblem { .unauthorized("the token has expired or is not valid yet") }

    /// The full check: signature, algorithm, time claims, issuer, audience, subject and role.
    /// Problems never repeat the token's own text (its `alg`, `kid`, `iss` or `role`): a caller learns which check
    /// failed, and a page that shows the detail cannot be fed markup through a token.
    private func verify(token: String, now moment: Date) async throws(APIProblem) -> (Principal, expires: Date) {
        let header = try Self.header(of: token)
        guard let algorithm = header.alg, allowedAlgorithms.contains(algorithm) else {
            throw .unauthorized(
                """
                the token's signing algorithm (alg) is not one this API accepts \
                (\(allowedAlgorithms.sorted().joined(separator: ", ")))
                """
            )
        }
        if case .sharedSecret = source {
        } else {
            guard let keyID = header.kid else { throw .unauthorized("the token names no key (kid)") }
            if !knownKeyIDs.contains(keyID) { await refetchIfAllowed() }
            // jwt-kit would fall back to its default key for an unknown kid; we refuse instead.
            guard knownKeyIDs.contains(keyID) else { throw .unauthorized("the token's key (kid) is not one of ours") }
        }
        let claims: LecternClaims
        do {
            claims = try await keys.verify(token, as: LecternClaims.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw Self.expired
        } catch let error as DecodingError {
            throw .unauthorized("the token's claims are malformed: \(APIJSON.describe(error))")
        } catch {
            throw .unauthorized("the token's signature does not verify")
        }
        if let issuer, claims.iss?.value != issuer {
            throw .unauthorized("the token was not issued by this API's identity provider (iss)")
        }
        if let audience, !(claims.aud?.value.contains(audience) ?? false) {
            throw .unauthorized("the token is not meant for this API (aud)")
        }
        guard !claims.sub.value.isEmpty else { throw .unauthorized("the token has an empty subject") }
        if let problem = limits.violation(issuedAt: claims.iat?.value, expires: claims.exp.value, now: moment) {
            throw problem
        }
        guard let role = Role(rawValue: claims.role) else {
            throw .forbidden("the token's role has no access to Lectern")
        }
        return (
            Principal(
                userID: claims.sub.value,
                name: claims.name,
                role: role,
                courses: Set(claims.courses ?? []),
                expires: claims.exp.value,
                email: claims.email
            ),
            claims.exp.value
        )
    }

    private func refetchIfAllowed() async {
        guard case .jwksURL = source else { return }
        if let lastFetch, ContinuousClock.now - lastFetch < refetchInterval { return }
        // A failed refetch keeps the keys we have; the unknown-kid token is refused either way.
        try? await loadKeys()
    }

    struct Header: Decodable {
        var alg: String?
        var kid: String?
    }

    static func header(of token: String) throws(APIProblem) -> Header {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = base64URLDecode(parts[0]),
            let header = try? JSONDecoder().decode(Header.self, from: data)
        else {
            throw .unauthorized("the bearer token is not a JWT")
        }
        return header
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
