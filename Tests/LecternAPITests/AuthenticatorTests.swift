import AWS
import Foundation
import JWTKit
import LecternAPI
import LecternTestSupport
import Testing

@Suite("Bearer token verification") struct AuthenticatorTests {
    let secret = "authenticator-test-secret-0123456789"

    func hs256(_ issuer: String? = nil, _ audience: String? = nil) async throws -> Authenticator {
        try await Authenticator(source: .sharedSecret(secret), issuer: issuer, audience: audience)
    }

    func unauthorized(_ authenticator: Authenticator, _ header: String?, mentioning words: String) async {
        await #expect {
            _ = try await authenticator.authenticate(authorization: header)
        } throws: { error in
            guard let problem = error as? APIProblem else { return false }
            return problem.status == 401 && problem.detail.contains(words) && problem.headers["WWW-Authenticate"] != nil
        }
    }

    @Test func aValidDevelopmentTokenNamesTheCaller() async throws {
        let token = try await DevTokens.mint(
            secret: secret,
            role: .professor,
            user: "p-17",
            courses: ["CS101", "CS102"],
            name: "Ada"
        )
        let principal = try await hs256().authenticate(authorization: "Bearer \(token)")
        #expect(
            principal
                == Principal(
                    userID: "p-17",
                    name: "Ada",
                    role: .professor,
                    courses: ["CS101", "CS102"],
                    expires: principal.expires
                )
        )
        // The token's exp travels with the caller (playback grants last no longer).
        let expires = try #require(principal.expires)
        #expect(abs(expires.timeIntervalSinceNow - 3600) < 5)
    }

    @Test func developmentTokensCarryWholeSecondTimes() async throws {
        let now = Date(timeIntervalSince1970: 1_764_700_000.75)
        let token = try await DevTokens.mint(secret: secret, role: .student, user: "s-1", expiresIn: 3600.5, now: now)
        // The payload, base64url-decoded, as JSON numbers (identity providers write whole seconds).
        var payload = String(token.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
        let json = try #require(Data(base64Encoded: payload))
        let claims = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect((claims["iat"] as? NSNumber)?.stringValue == "1764700000")
        #expect((claims["exp"] as? NSNumber)?.stringValue == "1764703600")
    }

    @Test func missingMalformedExpiredAndForgedTokensAre401() async throws {
        let authenticator = try await hs256()
        await unauthorized(authenticator, nil, mentioning: "bearer token")
        await unauthorized(authenticator, "Basic dXNlcjpwYXNz", mentioning: "Bearer <token>")
        await unauthorized(authenticator, "Bearer not.a.jwt", mentioning: "not a JWT")
        let expired = try await DevTokens.mint(secret: secret, role: .student, user: "s", expiresIn: -60)
        await unauthorized(authenticator, "Bearer \(expired)", mentioning: "expired")
        let forged = try await DevTokens.mint(secret: secret + "-other", role: .ops, user: "mallory")
        await unauthorized(authenticator, "Bearer \(forged)", mentioning: "signature")
        // alg "none" with the claims of a real token and no signature.
        let parts = try await DevTokens.mint(secret: secret, role: .ops, user: "x").split(separator: ".")
        let none = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(
            of: "=",
            with: ""
        )
        await unauthorized(
            authenticator,
            "Bearer \(none).\(parts[1]).",
            mentioning: "(alg) is not one this API accepts"
        )
    }

    @Test func issuerAndAudienceAreChecked() async throws {
        let authenticator = try await hs256("https://id.example.edu", "lectern")
        let right = try await DevTokens.mint(
            secret: secret,
            role: .student,
            user: "s",
            issuer: "https://id.example.edu",
            audience: "lectern"
        )
        #expect(try await authenticator.authenticate(authorization: "Bearer \(right)").userID == "s")
        let wrongAudience = try await DevTokens.mint(
            secret: secret,
            role: .student,
            user: "s",
            issuer: "https://id.example.edu",
            audience: "grades"
        )
        await unauthorized(authenticator, "Bearer \(wrongAudience)", mentioning: "not meant for this API")
        let wrongIssuer = try await DevTokens.mint(
            secret: secret,
            role: .student,
            user: "s",
            issuer: "https://evil.example",
            audience: "lectern"
        )
        await unauthorized(authenticator, "Bearer \(wrongIssuer)", mentioning: "not issued by")
    }

    @Test func anUnknownRoleIsForbiddenNotUnauthenticated() async throws {
        let token = try await DevTokens.mint(
            secret: secret,
            claims: LecternClaims(sub: "x", role: "janitor", expires: Date().addingTimeInterval(60))
        )
        await #expect { _ = try await hs256().authenticate(authorization: "Bearer \(token)") } throws: { error in
            (error as? APIProblem)?.status == 403
        }
    }

    // MARK: JWKS

    struct Keys {
        let rsa: Insecure.RSA.PrivateKey
        let ec: ES256PrivateKey
        let jwksPath: String
    }

    /// An RSA key from openssl and an EC key from jwt-kit, published as a JWKS file.
    func makeKeys() async throws -> Keys {
        let pemPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lectern-rsa-\(UUID().uuidString).pem"
        ).path
        let openssl = try await ChildProcess.run(
            "openssl",
            [
                "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", pemPath,
            ]
        )
        try #require(openssl.status == 0, "openssl genpkey failed: \(openssl.stderr)")
        defer { try? FileManager.default.removeItem(atPath: pemPath) }
        let rsa = try Insecure.RSA.PrivateKey(pem: try String(contentsOfFile: pemPath, encoding: .utf8))
        let (modulus, exponent) = try rsa.publicKey.getKeyPrimitives()
        let ec = ES256PrivateKey()
        let point = try #require(ec.publicKey.parameters)
        func b64url(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let jwks = """
            {"keys":[{"kty":"RSA","kid":"rsa-1","use":"sig","alg":"RS256",\
            "n":"\(b64url(modulus))","e":"\(b64url(exponent))"},
                     {"kty":"EC","kid":"ec-1","use":"sig","alg":"ES256","crv":"P-256",\
            "x":"\(point.x)","y":"\(point.y)"}]}
            """
        let jwksPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lectern-jwks-\(UUID().uuidString).json"
        ).path
        try jwks.write(toFile: jwksPath, atomically: true, encoding: .utf8)
        return Keys(rsa: rsa, ec: ec, jwksPath: jwksPath)
    }

    func claims(audience: String = "lectern") -> LecternClaims {
        LecternClaims(
            sub: "prof-9",
            role: "professor",
            courses: ["CS101"],
            expires: Date().addingTimeInterval(600),
            issuer: "https://id.example.edu",
            audience: audience
        )
    }

    @Test func rs256AndES256TokensFromTheJWKSVerify() async throws {
        let keys = try await makeKeys()
        defer { try? FileManager.default.removeItem(atPath: keys.jwksPath) }
        let authenticator = try await Authenticator(
            source: .jwksFile(keys.jwksPath),
            issuer: "https://id.example.edu",
            audience: "lectern"
        )

        let signers = JWTKeyCollection()
        await signers.add(rsa: keys.rsa, digestAlgorithm: .sha256, kid: "rsa-1")
        await signers.add(ecdsa: keys.ec, kid: "ec-1")
        let rsaToken = try await signers.sign(claims(), kid: "rsa-1")
        let ecToken = try await signers.sign(claims(), kid: "ec-1")
        #expect(try await authenticator.authenticate(authorization: "Bearer \(rsaToken)").userID == "prof-9")
        #expect(try await authenticator.authenticate(authorization: "Bearer \(ecToken)").courses == ["CS101"])

        // Same key, other audience: refused.
        let elsewhere = try await signers.sign(claims(audience: "grades"), kid: "rsa-1")
        await unauthorized(authenticator, "Bearer \(elsewhere)", mentioning: "not meant for")
        // A key the JWKS does not hold, even one that jwt-kit would fall back from.
        let stranger = JWTKeyCollection()
        await stranger.add(ecdsa: ES256PrivateKey(), kid: "ec-2")
        await unauthorized(
            authenticator,
            "Bearer \(try await stranger.sign(claims(), kid: "ec-2"))",
            mentioning: "not one of ours"
        )
        // A forged token claiming a known kid.
        await stranger.add(ecdsa: ES256PrivateKey(), kid: "ec-1")
        await unauthorized(
            authenticator,
            "Bearer \(try await stranger.sign(claims(), kid: "ec-1"))",
            mentioning: "signature"
        )
        // HS256 in JWKS mode (the algorithm-confusion attack): refused before any key is tried.
        let hmac = try await DevTokens.mint(secret: secret, claims: claims())
        await unauthorized(authenticator, "Bearer \(hmac)", mentioning: "(alg)")
    }

    @Test func aJWKSURLIsFetchedAndRefetchedForNewKeys() async throws {
        // The identity provider's JWKS, served by (unchecked) moto's S3 through a presigned GET.
        let s3 = try await MotoServer.sharedWithoutSignatureChecks().context(transport: TestWorld.transport).s3
        let bucket = MotoServer.uniqueName("idp")
        try await s3.createBucket(bucket)
        func publish(_ keys: [(String, ES256PrivateKey)]) async throws {
            let entries = keys.map { id, key in
                let point = key.publicKey.parameters!
                return #"{"kty":"EC","kid":"\#(id)","alg":"ES256","crv":"P-256","x":"\#(point.x)","y":"\#(point.y)"}"#
            }
            try await s3.putObject(
                bucket: bucket,
                key: "jwks.json",
                data: Data(#"{"keys":[\#(entries.joined(separator: ","))]}"#.utf8)
            )
        }
        let old = ES256PrivateKey(), new = ES256PrivateKey()
        try await publish([("old", old)])
        let url = try await s3.presignedGetURL(bucket: bucket, key: "jwks.json")
        let patient = try await Authenticator(
            source: .jwksURL(url),
            issuer: "https://id.example.edu",
            audience: "lectern",
            transport: TestWorld.transport,
            refetchInterval: .seconds(0)
        )
        let strict = try await Authenticator(
            source: .jwksURL(url),
            issuer: "https://id.example.edu",
            audience: "lectern",
            transport: TestWorld.transport,
            refetchInterval: .seconds(3600)
        )
        let signers = JWTKeyCollection()
        await signers.add(ecdsa: old, kid: "old")
        await signers.add(ecdsa: new, kid: "new")
        #expect(try await patient.authenticate(token: try await signers.sign(claims(), kid: "old")).userID == "prof-9")

        // The provider rotates in a new key: the next token naming it makes the authenticator fetch again,
        // unless it fetched too recently.
        try await publish([("old", old), ("new", new)])
        let rotated = try await signers.sign(claims(), kid: "new")
        #expect(try await patient.authenticate(token: rotated).userID == "prof-9")
        await unauthorized(strict, "Bearer \(rotated)", mentioning: "not one of ours")
    }

    @Test func aBrokenJWKSStopsTheStart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lectern-bad-\(UUID().uuidString).json"
        ).path
        try #"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        await #expect(throws: APIConfigError.self) {
            _ = try await Authenticator(source: .jwksFile(path), issuer: "i", audience: "a")
        }
        await #expect(throws: APIConfigError.self) {
            _ = try await Authenticator(source: .jwksFile("/nonexistent/jwks.json"), issuer: "i", audience: "a")
        }
    }
}
