import Foundation
import LecternCore
import Testing

@testable import LecternAPI

/// Issue 13 §4: playlist links carry a short-lived grant for one lecture and one user, never the user's token, and
/// a grant opens that lecture's playlists and nothing else.
@Suite("Playback grants") struct PlaybackGrantTests {
    /// A link the API handed out ("/v1/…?grant=…" or a playlist's relative "x.m3u8?grant=…"), split for `APIClient`.
    static func split(_ link: String, relativeTo base: String = "") throws -> (path: String, query: [String: String]) {
        let components = try #require(URLComponents(string: link.hasPrefix("/") ? link : base + link))
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { first, _ in first }
        )
        return (components.percentEncodedPath, query)
    }

    /// URI lines of a playlist (the variant links of a master).
    static func uriLines(_ playlist: String) -> [String] {
        playlist.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.hasPrefix("#") }
    }

    static func grant(in link: String) throws -> String {
        try #require(try split(link).query[PlaybackGrants.queryParameter], "no grant in \(link)")
    }

    /// The grant's payload, read without the key (what anyone holding the link can read).
    static func payload(of grant: String) throws -> PlaybackGrant {
        let part = try #require(grant.split(separator: ".").first)
        let data = try #require(Authenticator.base64URLDecode(part))
        return try JSONDecoder().decode(PlaybackGrant.self, from: data)
    }

    @Test(arguments: Via.allCases) func playersFollowGrantLinksWithoutAnyToken(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let student = try await world.token(.student, user: "stud-x", courses: ["CS101"])
        let id = fixture.record.lectureId
        try await world.withClient(via) { client in
            // The grant is issued between these two moments (a loaded machine took seconds to answer, so not "now").
            let before = Date().timeIntervalSince1970
            let view = try await client.call("GET", "/v1/lectures/\(id)", token: student).decode(LectureView.self)
            let playback = try #require(view.playback)
            #expect(!playback.hls.contains(student) && !playback.hls.contains("access_token"))
            let grant = try Self.grant(in: playback.hls)
            let claims = try Self.payload(of: grant)
            #expect(
                claims.lectureID == id && claims.userID == "stud-x" && claims.role == .student
                    && claims.course == "CS101"
            )
            // As long as the presigned links, no longer.
            let now = Date().timeIntervalSince1970
            #expect(Double(claims.expires) <= now + Double(world.app.config.playbackURLSeconds) + 1)
            #expect(Double(claims.expires) >= before + Double(world.app.config.playbackURLSeconds) - 5)
            #expect(Double(claims.expires) <= playback.expiresAt.timeIntervalSince1970 + 1)

            // No Authorization header anywhere below: only what the links carry.
            let (masterPath, masterQuery) = try Self.split(playback.hls)
            let master = try await client.call("GET", masterPath, query: masterQuery)
            #expect(master.status == 200, "\(master.text)")
            let variants = Self.uriLines(master.text)
            #expect(variants.count == 3)
            let directory = masterPath.replacingOccurrences(of: "master.m3u8", with: "")
            for variant in variants {
                #expect(!variant.contains(student) && !variant.contains("access_token"))
                // The same grant, not a new one: a grant must not renew itself past its expiry.
                #expect(try Self.grant(in: directory + variant) == grant, "\(variant)")
                let (path, query) = try Self.split(variant, relativeTo: directory)
                let media = try await client.call("GET", path, query: query)
                #expect(media.status == 200, "\(variant): \(media.text)")
                #expect(media.text.contains("X-Amz-Signature="))
            }
            let cues = try Self.split(try #require(playback.storyboard?.cues))
            #expect(cues.query[PlaybackGrants.queryParameter] == grant)
            #expect(try await client.call("GET", cues.path, query: cues.query).status == 200)
            // A grant minted a while ago is copied as it is, not renewed: a fresh one would outlive it.
            let older = world.app.config.playbackGrants.mint(
                lecture: id,
                course: "CS101",
                for: Principal(userID: "stud-x", role: .student),
                now: Date().addingTimeInterval(-100)
            )
            let replayed = try await client.call("GET", masterPath, query: [PlaybackGrants.queryParameter: older])
            #expect(replayed.status == 200)
            #expect(
                try Self.uriLines(replayed.text).map { try Self.grant(in: directory + $0) } == [older, older, older]
            )
            // Without the grant, nothing.
            #expect(try await client.call("GET", masterPath).status == 401)

            // A caller with a bearer token gets variant links with a grant minted for them, never their token.
            let byHeader = try await client.call("GET", masterPath, token: student)
            #expect(byHeader.status == 200)
            for variant in Self.uriLines(byHeader.text) {
                #expect(!variant.contains(student) && !variant.contains("access_token"))
                #expect(try Self.payload(of: try Self.grant(in: directory + variant)).userID == "stud-x")
            }
        }
    }

    /// A grant gives no access the token did not: minted from a token that expires sooner, it expires with it.
    @Test func aGrantNeverOutlivesTheTokenItWasMintedFor() async throws {
        let world = try await TestWorld.make()
        let lecture = try await PublishedFixture.make(in: world, course: "CS101").record.lectureId
        // Bounds from clocks read around the minting and the request, never after a wait that load can stretch
        // (a loaded CI run took 4 s between the answer and a later `Date()`).
        let minted = Date().timeIntervalSince1970.rounded(.down)
        let shortLived = try await DevTokens.mint(
            secret: TestWorld.secret,
            role: .student,
            user: "stud-x",
            courses: ["CS101"],
            expiresIn: 120
        )
        let view = try await world.app.respond(
            to: APIRequest(
                method: "GET",
                path: "/v1/lectures/\(lecture)",
                headers: ["Authorization": "Bearer \(shortLived)"]
            )
        ).decode(LectureView.self)
        let answered = Date().timeIntervalSince1970
        let grant = try Self.payload(of: try Self.grant(in: try #require(view.playback?.hls)))
        #expect(Double(grant.expires) <= answered + 121)
        #expect(Double(grant.expires) >= minted + 119)
        // The variant links a bearer caller gets are capped the same way.
        let master = await world.app.respond(
            to: APIRequest(
                method: "GET",
                path: "/v1/lectures/\(lecture)/hls/master.m3u8",
                headers: ["Authorization": "Bearer \(shortLived)"]
            )
        )
        let directory = "/v1/lectures/\(lecture)/hls/"
        for variant in Self.uriLines(String(decoding: master.body, as: UTF8.self)) {
            #expect(
                Double(try Self.payload(of: try Self.grant(in: directory + variant)).expires) <= Date()
                    .timeIntervalSince1970 + 121
            )
        }
    }

    @Test(arguments: Via.allCases) func aGrantForOneLectureOpensNothingElse(via: Via) async throws {
        let world = try await TestWorld.make()
        let lectureA = try await PublishedFixture.make(in: world, course: "CS101").record.lectureId
        let lectureB = try await PublishedFixture.make(in: world, course: "CS101").record.lectureId
        let student = try await world.token(.student, courses: ["CS101"])
        try await world.withClient(via) { client in
            let view = try await client.call("GET", "/v1/lectures/\(lectureA)", token: student).decode(LectureView.self)
            let grant = try Self.grant(in: try #require(view.playback?.hls))
            let query = [PlaybackGrants.queryParameter: grant]

            // Lecture B's playlists and cues: the same student could read them with a token, not with A's grant.
            for path in ["hls/master.m3u8", "hls/video~720p~playlist.m3u8", "storyboard.vtt"] {
                let answer = try await client.call("GET", "/v1/lectures/\(lectureB)/\(path)", query: query)
                #expect(answer.status == 403, "\(path): \(answer.status) \(answer.text)")
                #expect(answer.problem?.detail.contains("another lecture") == true)
                #expect(try await client.call("GET", "/v1/lectures/\(lectureA)/\(path)", query: query).status == 200)
            }
            // Every other endpoint, A's own included, the grant in the query or as a bearer token: 401.
            let others: [(String, String)] = [
                ("GET", "/v1/lectures/\(lectureA)"), ("GET", "/v1/courses/CS101/lectures"), ("POST", "/v1/lectures"),
                ("DELETE", "/v1/lectures/\(lectureA)"), ("POST", "/v1/lectures/\(lectureA)/retry"),
                ("GET", "/v1/lectures/\(lectureA)/upload"), ("DELETE", "/v1/lectures/\(lectureA)/upload"),
                ("POST", "/v1/lectures/\(lectureA)/upload/parts"), ("POST", "/v1/lectures/\(lectureA)/upload/complete"),
                ("GET", "/v1/ops/queue"), ("POST", "/v1/ops/dlq/redrive"),
            ]
            for (method, path) in others {
                let inQuery = try await client.call(method, path, query: query)
                #expect(inQuery.status == 401, "\(method) \(path) with ?grant: \(inQuery.status) \(inQuery.text)")
                let asBearer = try await client.call(method, path, token: grant)
                #expect(
                    asBearer.status == 401,
                    "\(method) \(path) with Bearer <grant>: \(asBearer.status) \(asBearer.text)"
                )
            }
            // Nor as a bearer token on the playback routes themselves: a grant is not a token.
            #expect(
                try await client.call("GET", "/v1/lectures/\(lectureA)/hls/master.m3u8", token: grant).status == 401
            )
            // And the lecture is still there: nothing above changed it.
            #expect(try await client.call("GET", "/v1/lectures/\(lectureA)", token: student).status == 200)
        }
    }

    /// Every route, public ones included: a token in the query string is refused, and not echoed.
    @Test(arguments: Via.allCases) func userTokensInTheQueryAreRefusedOnEveryRoute(via: Via) async throws {
        let world = try await TestWorld.make()
        let lecture = try await PublishedFixture.make(in: world, course: "CS101").record.lectureId
        let student = try await world.token(.student, courses: ["CS101"])
        let ops = try await world.token(.ops)
        let values = ["id": lecture, "course": "CS101", "rendition": "video~720p~playlist", "file": "app.js"]
        var checked = 0
        try await world.withClient(via) { client in
            for route in world.app.router.routes {
                let path =
                    "/"
                    + route.segments.map { segment -> String in
                        switch segment {
                        case .literal(let text): text
                        case .parameter(let name): values[name] ?? name
                        case .parameterWithSuffix(let name, let suffix): (values[name] ?? name) + suffix
                        }
                    }.joined(separator: "/")
                for token in [student, ops] {
                    // Alone, and beside a good Authorization header: the token has leaked into a URL either way.
                    for header in [nil, token] {
                        let answer = try await client.call(
                            route.method,
                            path,
                            token: header,
                            query: ["access_token": token]
                        )
                        #expect(answer.status == 401, "\(route.method) \(path): \(answer.status) \(answer.text)")
                        #expect(answer.problem?.type.hasSuffix("/token-in-query") == true, "\(answer.text)")
                        #expect(answer.problem?.detail.contains("Authorization header") == true)
                        #expect(!answer.text.contains(token))
                        checked += 1
                    }
                }
            }
        }
        #expect(checked >= 4 * 17)
    }

    @Test(arguments: Via.allCases) func expiredTamperedAndForeignGrantsAreRefused(via: Via) async throws {
        let world = try await TestWorld.make()
        let lecture = try await PublishedFixture.make(in: world, course: "CS101").record.lectureId
        let student = try await world.token(.student, user: "stud-x", courses: ["CS101"])
        let grants = world.app.config.playbackGrants
        let caller = Principal(userID: "stud-x", role: .student, courses: ["CS101"])
        let lifetime = TimeInterval(grants.lifetimeSeconds)

        let genuine = grants.mint(lecture: lecture, course: "CS101", for: caller)
        let parts = genuine.split(separator: ".").map(String.init)
        var forged = try Self.payload(of: genuine)
        forged.expires += 86_400
        // The first character of the mac carries six of its bits; the last (of 43) only four, the other two unused.
        let flipped = (parts[1].hasPrefix("A") ? "B" : "A") + String(parts[1].dropFirst())
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let last = try #require(parts[1].last.flatMap { alphabet.firstIndex(of: $0) })
        let sameBitsOtherSpelling = String(parts[1].dropLast()) + String(alphabet[last ^ 1])
        #expect(
            Authenticator.base64URLDecode(Substring(sameBitsOtherSpelling))
                == Authenticator.base64URLDecode(Substring(parts[1]))
        )
        let cases: [(String, String, Int)] = [
            // Minted by this API: good until the end of its lifetime, refused after it.
            ("genuine", genuine, 200),
            // 120 s left, not 10: the cases are sent one after another and under parallel load that took longer.
            (
                "near the end of its lifetime",
                grants.mint(
                    lecture: lecture,
                    course: "CS101",
                    for: caller,
                    now: Date().addingTimeInterval(120 - lifetime)
                ), 200
            ),
            (
                "expired",
                grants.mint(
                    lecture: lecture,
                    course: "CS101",
                    for: caller,
                    now: Date().addingTimeInterval(-1 - lifetime)
                ), 401
            ),
            // Tampered: a genuine grant's payload extended, its mac changed or cut off, parts added.
            ("payload changed", PlaybackGrants.base64URL(try JSONEncoder().encode(forged)) + "." + parts[1], 401),
            ("mac changed", parts[0] + "." + flipped, 401),
            ("mac spelled another way", parts[0] + "." + sameBitsOtherSpelling, 401),
            ("mac missing", parts[0], 401),
            ("a third part", genuine + "." + parts[1], 401),
            ("empty", "", 401),
            ("oversized", String(repeating: "A", count: 3_000) + "." + parts[1], 401),
            // Signed with another key (another deployment, or a task without the shared key).
            (
                "another key",
                PlaybackGrants(key: .random(), lifetimeSeconds: grants.lifetimeSeconds)
                    .mint(lecture: lecture, course: "CS101", for: caller), 401
            ),
            // A user token is not a grant, even a valid one for this lecture.
            ("a user token", student, 401),
        ]
        try await world.withClient(via) { client in
            for (name, grant, expected) in cases {
                let answer = try await client.call(
                    "GET",
                    "/v1/lectures/\(lecture)/hls/master.m3u8",
                    query: [PlaybackGrants.queryParameter: grant]
                )
                #expect(answer.status == expected, "\(name): \(answer.status) \(answer.text)")
            }
        }
    }

    /// Behind a load balancer: a grant minted by one API task plays on another that has the same key, and on none
    /// that made its own.
    @Test func aGrantPlaysOnEveryTaskWithTheSharedKey() async throws {
        let world = try await TestWorld.make()
        let lecture = try await PublishedFixture.make(in: world, course: "CS101").record.lectureId
        let student = try await world.token(.student, courses: ["CS101"])
        let view = try await world.app.respond(
            to: APIRequest(
                method: "GET",
                path: "/v1/lectures/\(lecture)",
                headers: ["Authorization": "Bearer \(student)"]
            )
        ).decode(LectureView.self)
        let (path, query) = try Self.split(try #require(view.playback?.hls))
        let request = APIRequest(method: "GET", path: path, query: query)

        let sameKey = APIApplication(
            config: world.app.config,
            services: world.services,
            authenticator: world.app.authenticator
        )
        #expect(await sameKey.respond(to: request).status == 200)
        var ownKey = world.app.config
        ownKey.playbackKey = .random()
        let other = APIApplication(config: ownKey, services: world.services, authenticator: world.app.authenticator)
        #expect(await other.respond(to: request).status == 401)
    }

    @Test func thePlaybackKeyComesFromTheEnvironmentAsBase64OfAtLeast32Bytes() throws {
        var environment = [
            "LECTERN_LECTURES_TABLE": "t", "LECTERN_BUCKET": "b", "LECTERN_QUEUE_URL": "q",
            "LECTERN_JWT_SECRET": "0123456789abcdef0123456789abcdef",
        ]
        #expect(try APIConfig.fromEnvironment(environment).playbackKey.origin == .generated)
        let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        environment["LECTERN_PLAYBACK_KEY"] = key
        #expect(try APIConfig.fromEnvironment(environment).playbackKey.origin == .configured)
        // What Secrets Manager generates (64 letters and digits) is base64 too.
        environment["LECTERN_PLAYBACK_KEY"] = String(repeating: "aZ09", count: 16)
        #expect(try APIConfig.fromEnvironment(environment).playbackKey.origin == .configured)

        for bad in [Data((0..<31).map { UInt8($0) }).base64EncodedString(), "not base64 at all!"] {
            environment["LECTERN_PLAYBACK_KEY"] = bad
            let error = try #require(throws: APIConfigError.self) { try APIConfig.fromEnvironment(environment) }
            #expect(error.description.contains("LECTERN_PLAYBACK_KEY must be base64 of at least 32 bytes"))
            #expect(!error.description.contains(bad), "the key is a secret: never echoed")
        }
        // Two tasks with the same setting sign alike.
        environment["LECTERN_PLAYBACK_KEY"] = key
        let first = try APIConfig.fromEnvironment(environment).playbackGrants
        let second = try APIConfig.fromEnvironment(environment).playbackGrants
        let caller = Principal(userID: "u", role: .student, courses: ["C"])
        let grant = first.mint(lecture: "lec_1", course: "C", for: caller)
        #expect(try second.verify(grant, forLecture: "lec_1").userID == "u")
    }

    /// The document says which routes take a grant, exactly the ones whose access is `.playback`, and nothing takes
    /// `access_token`.
    @Test func theOpenAPIDocumentDescribesTheGrantOnExactlyThePlaybackRoutes() async throws {
        let world = try await TestWorld.make()
        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.json) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, item) in paths {
            for (method, operation) in item {
                guard let security = (operation as? [String: Any])?["security"] as? [[String: Any]] else { continue }
                if security.contains(where: { $0["playbackGrant"] != nil }) {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
        }
        var served: Set<String> = []
        for route in world.app.router.routes {
            guard case .playback = route.access else { continue }
            served.insert(
                "\(route.method) /"
                    + route.segments.map { segment -> String in
                        switch segment {
                        case .literal(let text): text
                        case .parameter(let name): "{\(name)}"
                        case .parameterWithSuffix(let name, let suffix): "{\(name)}\(suffix)"
                        }
                    }.joined(separator: "/")
            )
        }
        // Master, media and subtitle playlists, and the storyboard.
        #expect(served.count == 4)
        #expect(documented == served)
        let components = try #require(document["components"] as? [String: Any])
        let schemes = try #require(components["securitySchemes"] as? [String: [String: Any]])
        #expect(schemes["playbackGrant"]?["in"] as? String == "query")
        #expect(schemes["playbackGrant"]?["name"] as? String == PlaybackGrants.queryParameter)
        #expect(!OpenAPIDocument.text.contains(#""name": "access_token""#))
    }
}
