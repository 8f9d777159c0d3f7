import Foundation
import JWTKit
import LecternAPI
import LecternCore
import Logging
import Synchronization
import Testing

/// Problem details never repeat attacker-chosen text from a token, never name a course the caller is not in, and
/// never carry S3's own messages (those go to the log).
@Suite("Error details") struct ErrorDetailTests {
    static let marker = "<script>lectern-marker-\(UUID().uuidString.prefix(8))</script>"

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A token whose header is `header` (JSON) over real claims, signed with nothing useful.
    static func token(header: String) -> String {
        let claims = #"{"sub":"x","role":"ops","exp":\#(Int(Date().timeIntervalSince1970) + 600)}"#
        return "\(base64URL(Data(header.utf8))).\(base64URL(Data(claims.utf8))).c2lnbmF0dXJl"
    }

    static func escaped(_ text: String) -> [String] {
        // As written, and as JSON would escape it.
        [text, text.replacingOccurrences(of: "/", with: "\\/"), String(text.dropFirst(8).prefix(20))]
    }

    @Test(arguments: Via.allCases) func tokenHeadersAndClaimsAreNotEchoed(via: Via) async throws {
        let world = try await TestWorld.make()
        let marker = Self.marker
        let tokens = [
            ("alg", Self.token(header: #"{"alg":"\#(marker)","typ":"JWT"}"#)),
            ("kid", Self.token(header: #"{"alg":"HS256","kid":"\#(marker)","typ":"JWT"}"#)),
            (
                "role",
                try await DevTokens.mint(
                    secret: TestWorld.secret,
                    claims: LecternClaims(sub: "x", role: marker, expires: Date().addingTimeInterval(600))
                )
            ),
        ]
        try await world.withClient(via) { client in
            for (what, token) in tokens {
                let answer = try await client.call("GET", "/v1/ops/queue", token: token)
                #expect(answer.status == 401 || answer.status == 403, "\(what): \(answer.status)")
                for form in Self.escaped(marker) {
                    #expect(!answer.text.contains(form), "\(what) echoed: \(answer.text)")
                }
            }
        }
    }

    @Test func issuerAudienceAndKeyIDsAreNotEchoed() async throws {
        let marker = Self.marker
        let strict = try await Authenticator(
            source: .sharedSecret(TestWorld.secret),
            issuer: "https://id.example.edu",
            audience: "lectern"
        )
        let wrongIssuer = try await DevTokens.mint(
            secret: TestWorld.secret,
            role: .ops,
            user: "o",
            issuer: marker,
            audience: "lectern"
        )
        let wrongAudience = try await DevTokens.mint(
            secret: TestWorld.secret,
            role: .ops,
            user: "o",
            issuer: "https://id.example.edu",
            audience: marker
        )
        for token in [wrongIssuer, wrongAudience] {
            await #expect { _ = try await strict.authenticate(token: token) } throws: { error in
                guard let problem = error as? APIProblem else { return false }
                return problem.status == 401 && !problem.detail.contains("lectern-marker")
                    && !problem.detail.contains("<script>")
            }
        }

        // A JWKS with one EC key; a token that names an unknown kid.
        let key = ES256PrivateKey()
        let point = try #require(key.publicKey.parameters)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lectern-jwks-\(UUID().uuidString).json"
        ).path
        try #"{"keys":[{"kty":"EC","kid":"ec-1","alg":"ES256","crv":"P-256","x":"\#(point.x)","y":"\#(point.y)"}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let jwks = try await Authenticator(
            source: .jwksFile(path),
            issuer: "https://id.example.edu",
            audience: "lectern"
        )
        let signers = JWTKeyCollection()
        await signers.add(ecdsa: ES256PrivateKey(), kid: JWKIdentifier(string: marker))
        let unknownKid = try await signers.sign(
            LecternClaims(
                sub: "p",
                role: "professor",
                expires: Date().addingTimeInterval(600),
                issuedAt: Date(),
                issuer: "https://id.example.edu",
                audience: "lectern"
            ),
            kid: JWKIdentifier(string: marker)
        )
        await #expect { _ = try await jwks.authenticate(token: unknownKid) } throws: { error in
            guard let problem = error as? APIProblem else { return false }
            return problem.status == 401 && problem.detail.contains("kid") && !problem.detail.contains("lectern-marker")
        }
    }

    @Test(arguments: Via.allCases) func aForbiddenAnswerNeverNamesAnotherCourse(via: Via) async throws {
        let world = try await TestWorld.make()
        let hidden = "HIDDEN-\(UUID().uuidString.prefix(6))"
        let owner = try await world.token(.professor, courses: [hidden])
        let professor = try await world.token(.professor, user: "professor-2", courses: ["CS101"])
        let student = try await world.token(.student, courses: ["CS101"])
        try await world.withClient(via) { client in
            let lecture = try await world.createLecture(client, token: owner, course: hidden, size: 100)
            let id = lecture.lecture.id
            let attempts = [
                ("GET", "/v1/lectures/\(id)", professor), ("GET", "/v1/lectures/\(id)", student),
                ("DELETE", "/v1/lectures/\(id)", professor), ("POST", "/v1/lectures/\(id)/retry", professor),
                ("GET", "/v1/lectures/\(id)/upload", professor),
                ("POST", "/v1/lectures/\(id)/upload/complete", professor),
            ]
            for (method, path, token) in attempts {
                let answer = try await client.call(method, path, token: token)
                #expect(answer.status == 403, "\(method) \(path): \(answer.status)")
                #expect(!answer.text.contains(hidden), "\(method) \(path) named the course: \(answer.text)")
            }
        }
    }

    /// Log lines, kept for the test to read.
    final class CapturedLog: Sendable {
        let lines = Mutex<[(message: String, metadata: [String: String])]>([])

        func handler(label: String) -> any LogHandler { Handler(log: self) }

        struct Handler: LogHandler {
            let log: CapturedLog
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(
                level: Logger.Level,
                message: Logger.Message,
                metadata: Logger.Metadata?,
                source: String,
                file: String,
                function: String,
                line: UInt
            ) {
                let merged = self.metadata.merging(metadata ?? [:]) { $1 }.mapValues { "\($0)" }
                log.lines.withLock { $0.append((message.description, merged)) }
            }
        }
    }

    @Test func s3sOwnMessageIsLoggedNotReturned() async throws {
        let world = try await TestWorld.make()
        let log = CapturedLog()
        let app = APIApplication(
            config: world.app.config,
            services: world.services,
            authenticator: world.app.authenticator,
            logger: Logger(label: "test", factory: log.handler)
        )
        let token = try await world.token(.professor, courses: ["CS101"])
        let client = APIClient { request in await app.respond(to: request) }
        // Given a multipart lecture completed with parts S3 never received
        let created = try await world.createLecture(client, token: token, course: "CS101", size: 7 << 20)
        #expect(created.upload.method == .multipart)
        let answer = try await client.call(
            "POST",
            "/v1/lectures/\(created.lecture.id)/upload/complete",
            token: token,
            json: CompleteUploadRequest(parts: [
                .init(partNumber: 1, eTag: #""0123""#), .init(partNumber: 2, eTag: #""4567""#),
            ])
        )
        // Then S3's refusal is a 422 in our words, and S3's words are in the log
        #expect(answer.status == 422, "\(answer.text)")
        let logged = try #require(
            log.lines.withLock { $0 }.first { $0.message.contains("S3 refused") },
            "nothing logged"
        )
        let s3Message = try #require(logged.metadata["message"])
        #expect(s3Message.count > 10)
        #expect(!answer.text.contains(s3Message), "\(answer.text)")
        #expect(answer.problem?.detail.contains(try #require(logged.metadata["code"])) == true)
    }
}
