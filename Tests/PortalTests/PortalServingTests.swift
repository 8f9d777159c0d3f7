import AWS
import Foundation
import LecternCore
import Testing

@testable import LecternAPI

/// The API serving the portal's static files: routes, content types, headers, traversal, start-up validation.
/// In-process, with AWS clients over a transport that fails the test if anything calls AWS.
@Suite("Portal static files") struct PortalServingTests {
    /// A portal folder with a few files, a hidden one, a subfolder and a link that points out of it.
    static func makePortalFolder() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("portal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("nested"),
            withIntermediateDirectories: true
        )
        try Data("<!doctype html><title>Lectern</title>".utf8).write(to: root.appendingPathComponent("index.html"))
        try Data("export const x = 1;".utf8).write(to: root.appendingPathComponent("app.js"))
        try Data("body{}".utf8).write(to: root.appendingPathComponent("style.css"))
        try Data("<svg/>".utf8).write(to: root.appendingPathComponent("icon.svg"))
        try Data("secret".utf8).write(to: root.appendingPathComponent(".env"))
        try Data("secret".utf8).write(to: root.appendingPathComponent("notes.bak"))
        try Data("inner".utf8).write(to: root.appendingPathComponent("nested/inner.js"))
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString).js")
        try Data("outside".utf8).write(to: outside)
        try FileManager.default.createSymbolicLink(
            at: root.appendingPathComponent("linked.js"),
            withDestinationURL: outside
        )
        return root
    }

    static let s3Endpoint = URL(string: "http://127.0.0.1:4566")!

    static func makeApp(portal: URL?) async throws -> APIApplication {
        let transport = FakeTransport { request in
            Issue.record("serving the portal called AWS: \(request.method) \(request.url)")
            return HTTPResponse(status: 500, headers: HTTPHeaders(), body: Data())
        }
        let context = AWSContext(
            configuration: AWSConfiguration(region: "us-east-1", endpoint: s3Endpoint),
            transport: transport,
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret"))
        )
        var config = APIConfig(
            lecturesTable: "lectures",
            bucket: "media",
            queue: "jobs",
            keySource: .sharedSecret("portal-test-secret-0123456789abcdef")
        )
        if let portal { config.portal = try PortalFiles(directory: portal.path) }
        let services = APIServices(
            store: LectureStore(dynamo: DynamoDBClient(context: context), table: "lectures"),
            s3: S3Client(context: context),
            sqs: SQSClient(context: context),
            bucket: "media",
            queueURL: "http://127.0.0.1:4566/000000000000/jobs"
        )
        let authenticator = try await Authenticator(source: config.keySource, issuer: nil, audience: nil)
        return APIApplication(config: config, services: services, authenticator: authenticator)
    }

    static func get(
        _ app: APIApplication,
        _ path: String,
        headers: [String: String] = [:],
        method: String = "GET"
    ) async -> APIResponse {
        await app.respond(to: APIRequest(method: method, path: path, headers: headers))
    }

    @Test func rootServesTheIndexWithStrictHeaders() async throws {
        let app = try await Self.makeApp(portal: try Self.makePortalFolder())
        let response = await Self.get(app, "/")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        #expect(String(decoding: response.body, as: UTF8.self).contains("<title>Lectern</title>"))
        let policy = try #require(response.header("Content-Security-Policy"))
        #expect(policy.contains("default-src 'none'"))
        #expect(policy.contains("script-src 'self';"))
        #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
        // Presigned media and upload URLs point at the bucket's origin (path-style on a custom endpoint).
        #expect(policy.contains("media-src 'self' blob: http://127.0.0.1:4566"))
        #expect(policy.contains("connect-src 'self' http://127.0.0.1:4566"))
        #expect(policy.contains("img-src 'self' blob: http://127.0.0.1:4566"))
        #expect(policy.contains("frame-ancestors 'none'"))
        #expect(response.header("Referrer-Policy") == "no-referrer")
        #expect(response.header("X-Content-Type-Options") == "nosniff")
        #expect(response.header("Cache-Control") == "no-cache")
        #expect(response.header("ETag") != nil)
    }

    @Test(arguments: [
        ("/portal/app.js", "text/javascript; charset=utf-8"), ("/portal/style.css", "text/css; charset=utf-8"),
        ("/portal/icon.svg", "image/svg+xml"), ("/portal/index.html", "text/html; charset=utf-8"),
    ])
    func assetsHaveTheirContentTypes(path: String, type: String) async throws {
        let app = try await Self.makeApp(portal: try Self.makePortalFolder())
        let response = await Self.get(app, path)
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == type)
        #expect(response.header("Content-Security-Policy") != nil)
    }

    @Test func anUnchangedFileAnswers304ToItsETag() async throws {
        let app = try await Self.makeApp(portal: try Self.makePortalFolder())
        let first = await Self.get(app, "/portal/app.js")
        let tag = try #require(first.header("ETag"))
        let again = await Self.get(app, "/portal/app.js", headers: ["If-None-Match": tag])
        #expect(again.status == 304)
        #expect(again.body.isEmpty)
        let other = await Self.get(app, "/portal/app.js", headers: ["If-None-Match": "\"something-else\""])
        #expect(other.status == 200)
        #expect(other.header("ETag") == tag)
    }

    @Test func headAnswersHeadersWithoutBody() async throws {
        let app = try await Self.makeApp(portal: try Self.makePortalFolder())
        let response = await Self.get(app, "/portal/style.css", method: "HEAD")
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(response.header("Content-Type") == "text/css; charset=utf-8")
    }

    /// Every way out of the folder, and every file that is not the portal's to show, is a 404 problem.
    @Test(arguments: [
        "/portal/missing.js", "/portal/..%2F..%2F..%2Fetc%2Fpasswd", "/portal/%2e%2e", "/portal/..",
        "/portal/../../etc/passwd",
        "/portal/%2Fetc%2Fpasswd", "/portal/.env", "/portal/%2eenv", "/portal/notes.bak", "/portal/nested/inner.js",
        "/portal/nested%2Finner.js", "/portal/linked.js", "/portal/", "/portal/app.js%00.css",
        "/portal/..%5C..%5Cetc%5Cpasswd",
        "/etc/passwd", "/index.html",
    ])
    func nothingOutsideThePortalIsServed(path: String) async throws {
        let app = try await Self.makeApp(portal: try Self.makePortalFolder())
        let response = await Self.get(app, path)
        #expect(response.status == 404, "\(path) answered \(response.status)")
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(!String(decoding: response.body, as: UTF8.self).contains("secret"))
        #expect(!String(decoding: response.body, as: UTF8.self).contains("root:"))
    }

    @Test func withoutAPortalDirectoryTheAPIServesNoPages() async throws {
        let app = try await Self.makeApp(portal: nil)
        #expect(await Self.get(app, "/").status == 404)
        #expect(await Self.get(app, "/portal/app.js").status == 404)
    }

    @Test func theAPIStillAnswersBesideThePortal() async throws {
        let app = try await Self.makeApp(portal: try Self.makePortalFolder())
        #expect(await Self.get(app, "/healthz").status == 200)
        #expect(await Self.get(app, "/v1/lectures/lec_1").status == 401)
        #expect(await Self.get(app, "/", method: "POST").status == 405)
    }

    @Test func startUpRefusesAMissingOrEmptyFolder() throws {
        let minimal = [
            "LECTERN_LECTURES_TABLE": "t", "LECTERN_BUCKET": "b", "LECTERN_QUEUE_URL": "q",
            "LECTERN_JWT_SECRET": "portal-test-secret-0123456789abcdef",
        ]
        var environment = minimal
        environment["LECTERN_PORTAL_DIR"] = "/nonexistent/portal"
        #expect { try APIConfig.fromEnvironment(environment) } throws: { error in
            "\(error)".contains("LECTERN_PORTAL_DIR=/nonexistent/portal is not a directory")
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        environment["LECTERN_PORTAL_DIR"] = empty.path
        #expect { try APIConfig.fromEnvironment(environment) } throws: { error in
            "\(error)".contains("has no readable index.html")
        }
        environment["LECTERN_PORTAL_DIR"] = try Self.makePortalFolder().path
        #expect(try APIConfig.fromEnvironment(environment).portal != nil)
        #expect(try APIConfig.fromEnvironment(minimal).portal == nil)
    }

    /// The repository's own portal: every file the page loads is served, with its type, and the page has no inline
    /// script or style (the CSP would block them).
    @Test func theRepositoryPortalIsComplete() async throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Portal")
        let app = try await Self.makeApp(portal: folder)
        let index = String(decoding: await Self.get(app, "/").body, as: UTF8.self)
        #expect(!index.contains("<script>") && !index.contains("style=") && !index.contains("<style"))
        var referenced = Set<String>()
        for text in [index]
            + (try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".js") }
                .map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) })
        {
            for match in text.matches(of: /(?:\/portal\/|\.\/)([a-z-]+\.(?:js|css|svg))/) {
                referenced.insert(String(match.1))
            }
        }
        #expect(
            referenced.isSuperset(of: ["app.js", "style.css", "icon.svg", "api.js", "upload.js", "player.js", "dom.js"])
        )
        for name in referenced {
            #expect(await Self.get(app, "/portal/\(name)").status == 200, "\(name) is referenced but not served")
        }
    }
}

@Suite("Portal in the API image") struct PortalImageTests {
    /// The image copies the portal and points LECTERN_PORTAL_DIR at the same place.
    @Test func dockerfileShipsThePortal() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("Dockerfile.api"), encoding: .utf8)
        let copy = try #require(text.firstMatch(of: /\nCOPY Portal (\S+)\n/), "Dockerfile.api does not COPY Portal")
        #expect(text.contains("LECTERN_PORTAL_DIR=\(copy.1)"))
        let runtime = try #require(text.range(of: "AS runtime"))
        #expect(
            text.range(of: "COPY Portal")!.lowerBound > runtime.lowerBound,
            "the portal belongs in the runtime stage"
        )
    }
}
