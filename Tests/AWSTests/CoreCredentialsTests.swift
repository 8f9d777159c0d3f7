import Foundation
import Synchronization
import Testing

@testable import AWS

/// A provider that counts its fetches and answers credentials expiring `lifetime` seconds from now.
final class CoreCountingProvider: CredentialProvider {
    private let fetches = Mutex(0)
    let lifetime: TimeInterval?
    let delay: Duration

    init(lifetime: TimeInterval?, delay: Duration = .zero) {
        self.lifetime = lifetime
        self.delay = delay
    }

    var fetchCount: Int { fetches.withLock { $0 } }

    func credentials() async throws -> AWSCredentials {
        let number = fetches.withLock { count in
            count += 1
            return count
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        return AWSCredentials(
            accessKeyID: "KEY\(number)",
            secretAccessKey: "secret",
            expiration: lifetime.map { Date().addingTimeInterval($0) }
        )
    }
}

struct CoreFailingProvider: CredentialProvider {
    let reason: String
    func credentials() async throws -> AWSCredentials { throw CredentialError(reason) }
}

func coreTemporaryFile(_ contents: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("lectern-creds-\(UUID().uuidString)").path
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite("Credentials")
struct CoreCredentialsTests {
    // MARK: Environment

    @Test func environmentWithSessionToken() async throws {
        let provider = EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN",
        ])
        let credentials = try await provider.credentials()
        #expect(credentials == AWSCredentials(accessKeyID: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN"))
    }

    @Test func environmentEmptyTokenIsNoToken() async throws {
        let provider = EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "",
        ])
        #expect(try await provider.credentials().sessionToken == nil)
    }

    @Test func environmentMissingSecretFails() async {
        let provider = EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": "AKID"])
        await #expect(throws: CredentialError.self) { try await provider.credentials() }
    }

    // MARK: Shared file

    static let sharedFile = """
        # comment
        [default]
        aws_access_key_id = DEFAULTKEY
        aws_secret_access_key = defaultsecret

        [profile work]
        aws_access_key_id=WORKKEY
        aws_secret_access_key=worksecret
        aws_session_token = worktoken
        ; another comment
        [broken]
        aws_access_key_id = ONLYID
        """

    @Test func sharedFileDefaultProfile() async throws {
        let path = try coreTemporaryFile(Self.sharedFile)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let provider = SharedFileCredentialProvider(environment: ["AWS_SHARED_CREDENTIALS_FILE": path])
        let credentials = try await provider.credentials()
        #expect(credentials == AWSCredentials(accessKeyID: "DEFAULTKEY", secretAccessKey: "defaultsecret"))
    }

    @Test func sharedFileNamedProfileWithPrefix() async throws {
        let path = try coreTemporaryFile(Self.sharedFile)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let provider = SharedFileCredentialProvider(environment: [
            "AWS_SHARED_CREDENTIALS_FILE": path, "AWS_PROFILE": "work",
        ])
        let credentials = try await provider.credentials()
        #expect(
            credentials
                == AWSCredentials(accessKeyID: "WORKKEY", secretAccessKey: "worksecret", sessionToken: "worktoken")
        )
    }

    @Test func sharedFileIncompleteOrMissingProfile() async throws {
        let path = try coreTemporaryFile(Self.sharedFile)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let broken = SharedFileCredentialProvider(path: path, profile: "broken")
        let brokenError = await #expect(throws: CredentialError.self) { try await broken.credentials() }
        #expect(brokenError?.message.contains("lacks") == true)
        let missing = SharedFileCredentialProvider(path: path, profile: "nope")
        let missingError = await #expect(throws: CredentialError.self) { try await missing.credentials() }
        #expect(missingError?.message.contains("'nope' not found") == true)
    }

    @Test func sharedFileAbsent() async {
        let provider = SharedFileCredentialProvider(path: "/nonexistent/\(UUID().uuidString)", profile: "default")
        await #expect(throws: CredentialError.self) { try await provider.credentials() }
    }

    // MARK: ECS

    static let ecsAnswer =
        #"""
        {"AccessKeyId":"ECSKEY","SecretAccessKey":"ecssecret","Token":"ecstoken",\#
        "Expiration":"2030-01-02T03:04:05Z"}
        """#

    @Test func ecsRelativeURI() async throws {
        let log = CoreRequestLog()
        let transport = FakeTransport { request in
            log.record(request)
            return HTTPResponse(status: 200, body: Data(Self.ecsAnswer.utf8))
        }
        let provider = try #require(
            ECSCredentialProvider(
                environment: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"],
                transport: transport
            )
        )
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyID == "ECSKEY")
        #expect(credentials.secretAccessKey == "ecssecret")
        #expect(credentials.sessionToken == "ecstoken")
        #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_553_445))
        let request = try #require(log.requests.first)
        #expect(request.url.absoluteString == "http://169.254.170.2/v2/credentials/abc")
        #expect(request.method == "GET")
        #expect(request.headers["Authorization"] == nil)
    }

    @Test func ecsFullURIWithAuthorizationToken() async throws {
        let log = CoreRequestLog()
        let transport = FakeTransport { request in
            log.record(request)
            return HTTPResponse(status: 200, body: Data(Self.ecsAnswer.utf8))
        }
        let provider = try #require(
            ECSCredentialProvider(
                environment: [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:8080/creds",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer secret-token",
                ],
                transport: transport
            )
        )
        _ = try await provider.credentials()
        let request = try #require(log.requests.first)
        #expect(request.url.absoluteString == "http://127.0.0.1:8080/creds")
        #expect(request.headers["Authorization"] == "Bearer secret-token")
    }

    @Test func ecsTokenFileWinsOverToken() async throws {
        let tokenFile = try coreTemporaryFile("from-file\n")
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let log = CoreRequestLog()
        let transport = FakeTransport { request in
            log.record(request)
            return HTTPResponse(status: 200, body: Data(Self.ecsAnswer.utf8))
        }
        let provider = try #require(
            ECSCredentialProvider(
                environment: [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:8080/creds",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "from-env",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
                ],
                transport: transport
            )
        )
        _ = try await provider.credentials()
        #expect(log.requests.first?.headers["Authorization"] == "from-file")
    }

    @Test func ecsAbsentWithoutEnvironment() {
        #expect(
            ECSCredentialProvider(environment: [:], transport: FakeTransport { _ in HTTPResponse(status: 200) }) == nil
        )
    }

    @Test(arguments: [(500, ecsAnswer), (200, "not json"), (200, #"{"AccessKeyId":"only"}"#)])
    func ecsBadAnswersAreTypedErrors(status: Int, body: String) async throws {
        let transport = FakeTransport { _ in HTTPResponse(status: status, body: Data(body.utf8)) }
        let provider = try #require(
            ECSCredentialProvider(
                environment: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/x"],
                transport: transport
            )
        )
        await #expect(throws: CredentialError.self) { try await provider.credentials() }
    }

    // MARK: Chain

    @Test func chainPrefersEnvironmentOverFile() async throws {
        let path = try coreTemporaryFile(Self.sharedFile)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let environment = [
            "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SHARED_CREDENTIALS_FILE": path,
        ]
        let chain = CredentialChain.standard(
            environment: environment,
            transport: FakeTransport { _ in HTTPResponse(status: 500) }
        )
        #expect(try await chain.credentials().accessKeyID == "ENVKEY")
    }

    @Test func chainFallsBackToFileThenECS() async throws {
        let path = try coreTemporaryFile(Self.sharedFile)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let transport = FakeTransport { _ in HTTPResponse(status: 200, body: Data(Self.ecsAnswer.utf8)) }
        let fileChain = CredentialChain.standard(
            environment: [
                "AWS_SHARED_CREDENTIALS_FILE": path,
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/x",
            ],
            transport: transport
        )
        #expect(try await fileChain.credentials().accessKeyID == "DEFAULTKEY")
        let ecsChain = CredentialChain.standard(
            environment: [
                "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/\(UUID().uuidString)",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/x",
            ],
            transport: transport
        )
        #expect(try await ecsChain.credentials().accessKeyID == "ECSKEY")
    }

    @Test func chainReportsEveryReason() async {
        let chain = CredentialChain([
            CoreFailingProvider(reason: "first broke"), CoreFailingProvider(reason: "second broke"),
        ])
        let error = await #expect(throws: CredentialError.self) { try await chain.credentials() }
        #expect(error?.message.contains("first broke") == true)
        #expect(error?.message.contains("second broke") == true)
    }

    // MARK: Cache

    @Test func cacheKeepsLongLivedCredentials() async throws {
        let source = CoreCountingProvider(lifetime: 3600)
        let cache = CachedCredentialProvider(source, refreshMargin: 300)
        let first = try await cache.credentials()
        let second = try await cache.credentials()
        #expect(first == second)
        #expect(source.fetchCount == 1)
    }

    @Test func cacheRefreshesBeforeExpiry() async throws {
        // Expiring in 200 s is inside the 300 s margin: every call must fetch anew.
        let source = CoreCountingProvider(lifetime: 200)
        let cache = CachedCredentialProvider(source, refreshMargin: 300)
        #expect(try await cache.credentials().accessKeyID == "KEY1")
        #expect(try await cache.credentials().accessKeyID == "KEY2")
        #expect(source.fetchCount == 2)
    }

    @Test func cacheNeverRefreshesStaticKeys() async throws {
        let source = CoreCountingProvider(lifetime: nil)
        let cache = CachedCredentialProvider(source)
        for _ in 0..<5 { _ = try await cache.credentials() }
        #expect(source.fetchCount == 1)
    }

    @Test func hundredConcurrentCallersCauseOneFetch() async throws {
        let source = CoreCountingProvider(lifetime: 3600, delay: .milliseconds(50))
        let cache = CachedCredentialProvider(source)
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 { group.addTask { try await cache.credentials().accessKeyID } }
            var keys: [String] = []
            for try await key in group { keys.append(key) }
            return keys
        }
        #expect(keys.count == 100)
        #expect(Set(keys) == ["KEY1"])
        #expect(source.fetchCount == 1)
    }

    @Test func cacheRetriesAfterAFailedFetch() async throws {
        let cache = CachedCredentialProvider(CoreFailingProvider(reason: "down"))
        await #expect(throws: CredentialError.self) { try await cache.credentials() }
        await #expect(throws: CredentialError.self) { try await cache.credentials() }
    }
}
