import Foundation
import LecternCore

/// What is wrong with the configuration, every problem at once, so one restart fixes them all.
public struct APIConfigError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]
    public var description: String {
        "lectern-api cannot start:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// The API's settings, read from the environment and validated at start.
///
/// | Variable | Meaning | Default |
/// |---|---|---|
/// | `LECTERN_LECTURES_TABLE` | DynamoDB table of lecture records | required |
/// | `LECTERN_BUCKET` | S3 bucket for uploads and renditions | required |
/// | `LECTERN_QUEUE_URL` | SQS queue the worker reads (URL or name) | required |
/// | `LECTERN_DLQ_URL` | its dead-letter queue | from the queue's RedrivePolicy |
/// | `LECTERN_JWT_SECRET` | HS256 secret (development) | one key source required |
/// | `LECTERN_JWKS_FILE` / `LECTERN_JWKS_URL` | RS256/ES256 public keys | |
/// | `LECTERN_JWT_ISSUER` / `LECTERN_JWT_AUDIENCE` | checked when set; required with a JWKS | |
/// | `LECTERN_CORS_ORIGIN` | the portal's origin | none (no CORS) |
/// | `LECTERN_MAX_BODY_BYTES` | largest request body | 1 MiB |
/// | `LECTERN_MAX_UPLOAD_BYTES` | largest lecture file | 100 GB |
/// | `LECTERN_SINGLE_UPLOAD_MAX_BYTES` | above this, multipart | 64 MB |
/// | `LECTERN_MIN_PART_BYTES` | smallest multipart part | 8 MiB |
/// | `LECTERN_WRITES_PER_MINUTE` | per-user write rate limit | 60 |
/// | `LECTERN_PLAYBACK_KEY` | base64 of ≥ 32 bytes that signs playback grants; the same on every API task | random per
/// process |
/// | `LECTERN_PORTAL_DIR` | the web portal's folder (`Portal/`), served at `/` and `/portal/` | none (API only) |
/// | `LECTERN_HTTP_ENGINE` | no longer a choice: only `lectern` (the one engine) is accepted, anything else is refused
/// | — |
/// | `PORT` | listening port | 8080 |
/// | `LECTERN_API_*` | the engine's listen address and limits | see `HTTPEngineSettings` |
/// | `METRICS_PORT` / `METRICS_HOST` | the separate listener for `/metrics` (0 picks a free port) | 9101 / 127.0.0.1 |
/// | `LECTERN_JWT_MAX_LIFETIME_SECONDS` | longest token lifetime accepted (`exp - iat`) | 43200 (12 h) |
/// | `LECTERN_JWT_IAT_LEEWAY_SECONDS` | how far in the future a token's `iat` may be | 60 |
/// | `LECTERN_FAILED_SIGNINS_PER_MINUTE` | failed sign-ins per client before 429 | 30 |
/// | `LECTERN_FORWARDED_HOPS` | proxies in front whose `X-Forwarded-For` entry names the client | 0 (the peer) |
public struct APIConfig: Sendable {
    public var lecturesTable: String
    public var bucket: String
    public var queue: String
    public var deadLetterQueue: String?
    public var keySource: TokenKeySource
    public var issuer: String?
    public var audience: String?
    public var corsOrigin: String?
    public var maxBodyBytes: Int
    public var maxUploadBytes: Int64
    public var singleUploadMaxBytes: Int64
    public var minPartBytes: Int64
    public var writesPerMinute: Int
    public var port: UInt16
    /// Lifetime of presigned upload URLs (≤ 15 min) and of playback/download URLs (≤ 1 h).
    public var uploadURLSeconds = 900
    public var playbackURLSeconds = 3600
    /// Signs playback grants (`PlaybackGrants`); a new random one unless `LECTERN_PLAYBACK_KEY` sets it.
    public var playbackKey = PlaybackKey.random()
    /// The web portal's static files, served at `/` and `/portal/{file}` when set.
    public var portal: PortalFiles?
    /// Our engine's listen address and limits (`LECTERN_API_*`).
    public var engine = HTTPEngineSettings()
    /// Where `MetricsListener` serves `/metrics`: never on the API's own port, so no path alias and no load
    /// balancer rule decides whether it is public. Loopback by default: a collector in the same task scrapes it.
    public var metricsHost: String? = "127.0.0.1"
    public var metricsPort: UInt16 = 9101
    /// Bounds on tokens' lifetimes beyond their own `exp`.
    public var tokenLimits = TokenLimits()
    /// Failed sign-ins a client may make a minute (a burst of as many, then one every 60/n s) before it gets 429
    /// without its token being verified.
    public var failedSignInsPerMinute = 30
    /// Whether automatic caption drafts are made (`LECTERN_CAPTIONS_ENGINE`, read like the worker reads it): off, the
    /// lecture view says `unavailable`.
    public var captionDrafts = CaptionDraftSettings.off
    /// Whether the DLQ sweeper mails uploaders of lectures it fails (`LECTERN_NOTIFY_EMAIL`, read as the worker reads
    /// it).
    public var outcomeMail = LectureMailSettings.off
    /// How the client of a request is found (see `ClientIdentity`).
    public var forwardedHops = 0

    public static let defaultSingleUploadMaxBytes: Int64 = 64_000_000
    public static let defaultMinPartBytes: Int64 = 8 << 20
    public static let defaultMaxUploadBytes: Int64 = 100_000_000_000

    public init(
        lecturesTable: String,
        bucket: String,
        queue: String,
        deadLetterQueue: String? = nil,
        keySource: TokenKeySource,
        issuer: String? = nil,
        audience: String? = nil,
        corsOrigin: String? = nil,
        maxBodyBytes: Int = 1 << 20,
        maxUploadBytes: Int64 = defaultMaxUploadBytes,
        singleUploadMaxBytes: Int64 = defaultSingleUploadMaxBytes,
        minPartBytes: Int64 = defaultMinPartBytes,
        writesPerMinute: Int = 60,
        port: UInt16 = 8080
    ) {
        self.lecturesTable = lecturesTable
        self.bucket = bucket
        self.queue = queue
        self.deadLetterQueue = deadLetterQueue
        self.keySource = keySource
        self.issuer = issuer
        self.audience = audience
        self.corsOrigin = corsOrigin
        self.maxBodyBytes = maxBodyBytes
        self.maxUploadBytes = maxUploadBytes
        self.singleUploadMaxBytes = singleUploadMaxBytes
        self.minPartBytes = minPartBytes
        self.writesPerMinute = writesPerMinute
        self.port = port
    }

    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(APIConfigError) -> APIConfig {
        var problems: [String] = []
        func value(_ name: String) -> String? { EnvironmentSetting.text(name, in: environment) }
        func required(_ name: String, _ meaning: String) -> String {
            guard let text = value(name) else {
                problems.append("\(name) is not set (\(meaning))")
                return ""
            }
            return text
        }
        func integer<T: FixedWidthInteger>(_ name: String, default fallback: T, in range: ClosedRange<T>) -> T {
            EnvironmentSetting.integer(name, in: environment, default: fallback, range: range, problems: &problems)
        }

        let table = required("LECTERN_LECTURES_TABLE", "the DynamoDB table of lecture records")
        let bucket = required("LECTERN_BUCKET", "the S3 bucket for uploads and renditions")
        let queue = required("LECTERN_QUEUE_URL", "the SQS queue the worker reads")

        var source = TokenKeySource.sharedSecret("")
        let sources = ["LECTERN_JWT_SECRET", "LECTERN_JWKS_FILE", "LECTERN_JWKS_URL"].filter { value($0) != nil }
        if sources.count != 1 {
            problems.append(
                sources.isEmpty
                    ? """
                    no token keys: set LECTERN_JWKS_FILE or LECTERN_JWKS_URL (or \
                    LECTERN_JWT_SECRET for local development)
                    """
                    : "set only one of \(sources.joined(separator: ", "))"
            )
        } else if let secret = value("LECTERN_JWT_SECRET") {
            if secret.utf8.count < 32 {
                problems.append("LECTERN_JWT_SECRET must be at least 32 bytes (HS256 needs a key as long as its hash)")
            }
            source = .sharedSecret(secret)
        } else if let path = value("LECTERN_JWKS_FILE") {
            source = .jwksFile(path)
        } else if let text = value("LECTERN_JWKS_URL") {
            if let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil {
                source = .jwksURL(url)
            } else {
                problems.append("LECTERN_JWKS_URL=\(text) is not an http(s) URL")
            }
        }
        let issuer = value("LECTERN_JWT_ISSUER"), audience = value("LECTERN_JWT_AUDIENCE")
        if case .sharedSecret = source {
        } else {
            if issuer == nil {
                problems.append("LECTERN_JWT_ISSUER is required with a JWKS (the identity provider's issuer)")
            }
            if audience == nil { problems.append("LECTERN_JWT_AUDIENCE is required with a JWKS (this API's audience)") }
        }
        let origin = value("LECTERN_CORS_ORIGIN")
        if let origin, URL(string: origin)?.host == nil || origin.hasSuffix("/") {
            problems.append(
                "LECTERN_CORS_ORIGIN=\(origin) must be an origin such as https://portal.example.edu (no path)"
            )
        }

        var config = APIConfig(
            lecturesTable: table,
            bucket: bucket,
            queue: queue,
            deadLetterQueue: value("LECTERN_DLQ_URL"),
            keySource: source,
            issuer: issuer,
            audience: audience,
            corsOrigin: origin,
            maxBodyBytes: integer("LECTERN_MAX_BODY_BYTES", default: 1 << 20, in: 1_024...(64 << 20)),
            maxUploadBytes: integer(
                "LECTERN_MAX_UPLOAD_BYTES",
                default: defaultMaxUploadBytes,
                in: 1...defaultMaxUploadBytes
            ),
            singleUploadMaxBytes: integer(
                "LECTERN_SINGLE_UPLOAD_MAX_BYTES",
                default: defaultSingleUploadMaxBytes,
                in: 1...(5 << 30)
            ),
            minPartBytes: integer("LECTERN_MIN_PART_BYTES", default: defaultMinPartBytes, in: (5 << 20)...(5 << 30)),
            writesPerMinute: integer("LECTERN_WRITES_PER_MINUTE", default: 60, in: 1...100_000),
            port: integer("PORT", default: 8080, in: 0...65_535)
        )
        config.uploadURLSeconds = integer("LECTERN_UPLOAD_URL_SECONDS", default: 900, in: 60...900)
        config.playbackURLSeconds = integer("LECTERN_PLAYBACK_URL_SECONDS", default: 3600, in: 60...3600)
        if let text = value("LECTERN_PLAYBACK_KEY") {
            if let key = PlaybackKey(base64: text) {
                config.playbackKey = key
            } else {
                // The value is a secret: never echoed.
                problems.append(
                    """
                    LECTERN_PLAYBACK_KEY must be base64 of at least \(PlaybackKey.minimumBytes) \
                    bytes (e.g. openssl rand -base64 32)
                    """
                )
            }
        }
        // The API has one HTTP engine now. `lectern` names it and is harmless; anything else asked for a server this
        // build does not have, and starting on another than the one asked for would hide that (a refusal at start
        // is seen at once, a warning in a log is not).
        if let engine = value("LECTERN_HTTP_ENGINE"), engine.lowercased() != "lectern" {
            problems.append(
                "LECTERN_HTTP_ENGINE=\(engine) is no longer supported: the API has one HTTP engine; remove the setting"
            )
        }
        config.engine = HTTPEngineSettings.fromEnvironment(environment, problems: &problems)
        config.metricsPort = integer("METRICS_PORT", default: 9101, in: 0...65_535)
        if let host = value("METRICS_HOST") {
            // "*" or "0.0.0.0" listen on every interface (a scraper in another task); otherwise an address literal.
            if host == "*" || host == "0.0.0.0" {
                config.metricsHost = nil
            } else if HTTPEngineSettings.isAddress(host) {
                config.metricsHost = host
            } else {
                problems.append(
                    """
                    METRICS_HOST=\(host) must be an IP address such as 127.0.0.1 or ::1, \
                    or 0.0.0.0 for every interface
                    """
                )
            }
        }
        if config.metricsPort != 0, config.metricsPort == config.port {
            problems.append(
                "METRICS_PORT=\(config.metricsPort) must differ from PORT: metrics are never served on the API's port"
            )
        }
        config.tokenLimits = TokenLimits(
            maxLifetime: .seconds(
                integer(
                    "LECTERN_JWT_MAX_LIFETIME_SECONDS",
                    default: TokenLimits.defaultMaxLifetimeSeconds,
                    in: 60...(30 * 86_400)
                )
            ),
            issuedAtLeeway: .seconds(
                integer(
                    "LECTERN_JWT_IAT_LEEWAY_SECONDS",
                    default: TokenLimits.defaultIssuedAtLeewaySeconds,
                    in: 0...600
                )
            )
        )
        config.failedSignInsPerMinute = integer("LECTERN_FAILED_SIGNINS_PER_MINUTE", default: 30, in: 1...100_000)
        config.forwardedHops = integer("LECTERN_FORWARDED_HOPS", default: 0, in: 0...5)
        if let directory = value("LECTERN_PORTAL_DIR") {
            do { config.portal = try PortalFiles(directory: directory) } catch { problems += error.problems }
        }
        do { config.captionDrafts = try CaptionDraftSettings.fromEnvironment(environment) } catch {
            problems.append(error.description)
        }
        do { config.outcomeMail = try LectureMailSettings.fromEnvironment(environment) } catch {
            problems += error.problems
        }
        guard problems.isEmpty else { throw APIConfigError(problems: problems) }
        return config
    }
}
