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
public actor Authenticator {
    private let source: TokenKeySource
    private let issuer: String?
    private let audience: String?
    private let transport: (any HTTPTransport)?
    private var keys = JWTKeyCollection()
    private var knownKeyIDs: Set<String> = []
    private var lastFetch: ContinuousClock.Instant?
    private let refetchInterval: Duration

    private var allowedAlgorithms: Set<String> {
        if case .sharedSecret = source { return ["HS256"] }
        return ["RS256", "ES256"]
    }

    /// Loads the keys now, so a bad JWKS stops the server at start with a clear message.
    /// `refetchInterval`: how long after a JWKS fetch an unknown key id may trigger the next one.
    public init(source: TokenKeySource, issuer: String?, audience: String?, transport: (any HTTPTransport)? = nil,
                refetchInterval: Duration = .seconds(60)) async throws {
        self.source = source
        self.refetchInterval = refetchInterval
        self.issuer = issuer
        self.audience = audience
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
            let response = try await transport.execute(HTTPRequest(method: "GET", url: url, destination: .memory(limit: 1 << 20)))
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
    }

    /// The caller behind an `Authorization` header value.
    public func authenticate(authorization: String?) async throws(APIProblem) -> Principal {
        guard let authorization, !authorization.isEmpty else {
            throw .unauthorized("send a bearer token in the Authorization header")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].caseInsensitiveCompare("Bearer") == .orderedSame else {
            throw .unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        return try await authenticate(token: String(parts[1]).trimmingCharacters(in: .whitespaces))
    }

    public func authenticate(token: String) async throws(APIProblem) -> Principal {
        let header = try Self.header(of: token)
        guard let algorithm = header.alg, allowedAlgorithms.contains(algorithm) else {
            throw .unauthorized("tokens signed with \(header.alg ?? "no algorithm") are not accepted here")
        }
        if case .sharedSecret = source {} else {
            guard let keyID = header.kid else { throw .unauthorized("the token names no key (kid)") }
            if !knownKeyIDs.contains(keyID) { await refetchIfAllowed() }
            // jwt-kit would fall back to its default key for an unknown kid; we refuse instead.
            guard knownKeyIDs.contains(keyID) else { throw .unauthorized("the token's key \(keyID) is not one of ours") }
        }
        let claims: LecternClaims
        do {
            claims = try await keys.verify(token, as: LecternClaims.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw .unauthorized("the token has expired or is not valid yet")
        } catch let error as DecodingError {
            throw .unauthorized("the token's claims are malformed: \(APIJSON.describe(error))")
        } catch {
            throw .unauthorized("the token's signature does not verify")
        }
        if let issuer, claims.iss?.value != issuer {
            throw .unauthorized("the token was issued by \(claims.iss?.value ?? "nobody"), not \(issuer)")
        }
        if let audience, !(claims.aud?.value.contains(audience) ?? false) {
            throw .unauthorized("the token is not meant for \(audience)")
        }
        guard !claims.sub.value.isEmpty else { throw .unauthorized("the token has an empty subject") }
        guard let role = Role(rawValue: claims.role) else {
            throw .forbidden("role '\(claims.role)' has no access to Lectern")
        }
        return Principal(userID: claims.sub.value, name: claims.name, role: role, courses: Set(claims.courses ?? []))
    }

    private func refetchIfAllowed() async {
        guard case .jwksURL = source else { return }
        if let lastFetch, ContinuousClock.now - lastFetch < refetchInterval { return }
        // A failed refetch keeps the keys we have; the unknown-kid token is refused either way.
        try? await loadKeys()
    }

    struct Header: Decodable { var alg: String?; var kid: String? }

    static func header(of token: String) throws(APIProblem) -> Header {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = base64URLDecode(parts[0]),
              let header = try? JSONDecoder().decode(Header.self, from: data) else {
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
