import Foundation
import HTTPTransport
import SigV4
import Synchronization

/// Where credentials come from. Providers may be slow (a network call); callers go through `CachedCredentialProvider`.
public protocol CredentialProvider: Sendable {
    func credentials() async throws -> AWSCredentials
}

public struct CredentialError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "credentials: \(message)" }
}

public struct StaticCredentialProvider: CredentialProvider {
    let value: AWSCredentials
    public init(_ credentials: AWSCredentials) { value = credentials }
    public func credentials() async throws -> AWSCredentials { value }
}

/// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the optional AWS_SESSION_TOKEN.
public struct EnvironmentCredentialProvider: CredentialProvider {
    let environment: [String: String]
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) { self.environment = environment }

    public func credentials() async throws -> AWSCredentials {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
            let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else {
            throw CredentialError("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set")
        }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }
}

/// The shared credentials file (`~/.aws/credentials` or AWS_SHARED_CREDENTIALS_FILE), profile AWS_PROFILE or `default`.
public struct SharedFileCredentialProvider: CredentialProvider {
    let path: String
    let profile: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        self.path = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials"
        self.profile = environment["AWS_PROFILE"] ?? "default"
    }

    public init(path: String, profile: String) {
        self.path = path
        self.profile = profile
    }

    public func credentials() async throws -> AWSCredentials {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CredentialError("no shared credentials file at \(path)")
        }
        let sections = Self.parseINI(text)
        guard let section = sections[profile] else {
            throw CredentialError("profile '\(profile)' not found in \(path)")
        }
        guard let id = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] else {
            throw CredentialError("profile '\(profile)' in \(path) lacks aws_access_key_id / aws_secret_access_key")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: section["aws_session_token"])
    }

    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                var name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst("profile ".count)) }
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current]?[key] = value
        }
        return sections
    }
}

/// The ECS task role: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (against 169.254.170.2) or
/// AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE).
public struct ECSCredentialProvider: CredentialProvider {
    let url: URL
    let authorization: String?
    let authorizationFile: String?
    let transport: any HTTPTransport

    /// nil when the environment names no container credentials endpoint.
    public init?(environment: [String: String] = ProcessInfo.processInfo.environment, transport: any HTTPTransport) {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty,
            let url = URL(string: "http://169.254.170.2" + relative)
        {
            self.url = url
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty,
            let url = URL(string: full)
        {
            self.url = url
        } else {
            return nil
        }
        self.authorization = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        self.authorizationFile = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
        self.transport = transport
    }

    struct Answer: Decodable {
        let AccessKeyId: String
        let SecretAccessKey: String
        let Token: String?
        let Expiration: String?
    }

    public func credentials() async throws -> AWSCredentials {
        var headers: HTTPHeaders = [:]
        if let file = authorizationFile, let token = try? String(contentsOfFile: file, encoding: .utf8) {
            headers["Authorization"] = token.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let authorization {
            headers["Authorization"] = authorization
        }
        let request = HTTPRequest(
            method: "GET",
            url: url,
            headers: headers,
            timeouts: HTTPTimeouts(connect: .seconds(2), total: .seconds(5))
        )
        let response = try await transport.execute(request)
        guard response.status == 200 else {
            throw CredentialError("container credentials endpoint answered HTTP \(response.status)")
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: response.body) else {
            throw CredentialError("container credentials endpoint answered malformed JSON")
        }
        let expiration = answer.Expiration.flatMap { try? Date($0, strategy: .iso8601) }
        return AWSCredentials(
            accessKeyID: answer.AccessKeyId,
            secretAccessKey: answer.SecretAccessKey,
            sessionToken: answer.Token,
            expiration: expiration
        )
    }
}

/// Tries providers in order; the first that answers wins.
public struct CredentialChain: CredentialProvider {
    let providers: [any CredentialProvider]
    public init(_ providers: [any CredentialProvider]) { self.providers = providers }

    /// Environment, then the shared file, then the ECS task role.
    public static func standard(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        transport: any HTTPTransport
    ) -> CredentialChain {
        var providers: [any CredentialProvider] = [
            EnvironmentCredentialProvider(environment: environment),
            SharedFileCredentialProvider(environment: environment),
        ]
        if let ecs = ECSCredentialProvider(environment: environment, transport: transport) { providers.append(ecs) }
        return CredentialChain(providers)
    }

    public func credentials() async throws -> AWSCredentials {
        var reasons: [String] = []
        for provider in providers {
            do { return try await provider.credentials() } catch { reasons.append("\(error)") }
        }
        throw CredentialError("no credentials found (" + reasons.joined(separator: "; ") + ")")
    }
}

/// Caches credentials and refreshes them before they expire, one refresh at a time however many callers wait.
///
/// Fresh credentials are answered from a lock, without entering the actor: every presigned URL and signed request
/// asks, and an actor shared by all of the API's event loops would make their tasks queue on each other and hop
/// threads. Only a refresh runs on the actor.
public actor CachedCredentialProvider: CredentialProvider {
    private let source: any CredentialProvider
    private let refreshMargin: TimeInterval
    private nonisolated let current = Mutex<AWSCredentials?>(nil)
    private var refreshing: Task<AWSCredentials, any Error>?

    public init(_ source: any CredentialProvider, refreshMargin: TimeInterval = 300) {
        self.source = source
        self.refreshMargin = refreshMargin
    }

    public nonisolated func credentials() async throws -> AWSCredentials {
        if let cached = current.withLock({ $0 }), !needsRefresh(cached) { return cached }
        return try await refreshed()
    }

    private func refreshed() async throws -> AWSCredentials {
        if let cached = current.withLock({ $0 }), !needsRefresh(cached) { return cached }
        if let refreshing { return try await refreshing.value }
        let task = Task { try await source.credentials() }
        refreshing = task
        defer { refreshing = nil }
        let fresh = try await task.value
        current.withLock { $0 = fresh }
        return fresh
    }

    private nonisolated func needsRefresh(_ credentials: AWSCredentials) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return expiration.timeIntervalSinceNow < refreshMargin
    }
}
