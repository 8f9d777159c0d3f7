import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The HTTP/1.1 engine's listen address and limits, from the environment (see `docs/operations.md`, "HTTP engine
/// limits"). Kept apart from `APIConfig`'s other settings: they concern the server in front of the application.
///
/// | Variable | Meaning | Default |
/// |---|---|---|
/// | `LECTERN_API_HOST` | IPv4 or IPv6 address to listen on | every interface |
/// | `LECTERN_API_MAX_CONNECTIONS` | open connections in all; beyond, 503 and close | 10,000 (less under a low `ulimit
/// -n`) |
/// | `LECTERN_API_MAX_CONNECTIONS_PER_CLIENT` | open connections from one address; 0 for no cap | 1,000 |
/// | `LECTERN_API_HANDLER_TIMEOUT_SECONDS` | a request's handling; beyond, 503 and close | 30 |
/// | `LECTERN_API_MAX_HEAD_BYTES` | request line and header fields; beyond, 431 | 16,384 |
/// | `LECTERN_API_MAX_HEADER_FIELDS` | header field lines; beyond, 431 | 100 |
public struct HTTPEngineSettings: Sendable, Equatable {
    /// nil listens on every interface (IPv6 and IPv4).
    public var host: String?
    public var maxConnections = HTTP1Server.Configuration.defaultMaxConnections()
    public var maxConnectionsPerClient = 1_000
    public var handlerTimeoutSeconds = 30
    public var maxHeadBytes = 16 * 1024
    public var maxHeaderFields = 100

    public init() {}

    /// Reads the variables in `environment`; what is wrong goes to `problems`, one line each.
    static func fromEnvironment(_ environment: [String: String], problems: inout [String]) -> HTTPEngineSettings {
        var settings = HTTPEngineSettings()
        func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) -> Int {
            EnvironmentSetting.integer(name, in: environment, default: fallback, range: range, problems: &problems)
        }
        if let host = EnvironmentSetting.text("LECTERN_API_HOST", in: environment) {
            if isAddress(host) {
                settings.host = host
            } else {
                problems.append(
                    "LECTERN_API_HOST=\(host) must be an IPv4 or IPv6 address such as 10.0.1.5 or ::1 (not a name)"
                )
            }
        }
        settings.maxConnections = integer(
            "LECTERN_API_MAX_CONNECTIONS",
            default: settings.maxConnections,
            in: 1...1_000_000
        )
        settings.maxConnectionsPerClient = integer(
            "LECTERN_API_MAX_CONNECTIONS_PER_CLIENT",
            default: settings.maxConnectionsPerClient,
            in: 0...1_000_000
        )
        settings.handlerTimeoutSeconds = integer(
            "LECTERN_API_HANDLER_TIMEOUT_SECONDS",
            default: settings.handlerTimeoutSeconds,
            in: 1...3_600
        )
        settings.maxHeadBytes = integer(
            "LECTERN_API_MAX_HEAD_BYTES",
            default: settings.maxHeadBytes,
            in: 1_024...(1 << 20)
        )
        settings.maxHeaderFields = integer(
            "LECTERN_API_MAX_HEADER_FIELDS",
            default: settings.maxHeaderFields,
            in: 8...10_000
        )
        return settings
    }

    /// The limits on an engine configuration (its timeouts for idle, head, body and sending stay as they are).
    func apply(to configuration: inout HTTP1Server.Configuration) {
        configuration.maxConnections = maxConnections
        configuration.maxConnectionsPerClient = maxConnectionsPerClient
        configuration.handlerTimeout = .seconds(handlerTimeoutSeconds)
        configuration.maxHeadBytes = maxHeadBytes
        configuration.maxHeaderFields = maxHeaderFields
    }

    /// What `ListeningSocket` binds: an address literal, not a name to resolve.
    static func isAddress(_ text: String) -> Bool {
        var ipv4 = in_addr(), ipv6 = in6_addr()
        return inet_pton(AF_INET, text, &ipv4) == 1 || inet_pton(AF_INET6, text, &ipv6) == 1
    }
}
