import Foundation

/// Whether lecture outcome e-mails are sent, and from where. Off unless configured.
public enum LectureMailSettings: Sendable, Equatable {
    /// No e-mail (the default).
    case off
    /// Through Amazon SES, from a verified identity, with links into the portal at `portalURL`.
    case ses(from: String, portalURL: String)

    public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
        public let problems: [String]
        public var description: String { problems.joined(separator: "; ") }
    }

    /// `LECTERN_NOTIFY_EMAIL` (`off`, the default, or `ses`); with `ses`, `LECTERN_NOTIFY_FROM` (a verified sender
    /// address) and `LECTERN_PORTAL_URL` (http(s), the portal's address as professors open it) are required.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> LectureMailSettings {
        let mode = (environment["LECTERN_NOTIFY_EMAIL"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        switch mode {
        case "", "off":
            return .off
        case "ses":
            var problems: [String] = []
            let from = (environment["LECTERN_NOTIFY_FROM"] ?? "").trimmingCharacters(in: .whitespaces)
            if !isPlausibleAddress(from) {
                problems.append(
                    """
                    LECTERN_NOTIFY_EMAIL=ses needs LECTERN_NOTIFY_FROM, the SES-verified sender address (got \
                    \(from.isEmpty ? "nothing" : "'\(from)'"))
                    """
                )
            }
            var portal = (environment["LECTERN_PORTAL_URL"] ?? "").trimmingCharacters(in: .whitespaces)
            while portal.hasSuffix("/") { portal.removeLast() }
            if !(portal.hasPrefix("https://") || portal.hasPrefix("http://")) || portal.contains("?")
                || portal.contains("#")
            {
                problems.append(
                    """
                    LECTERN_NOTIFY_EMAIL=ses needs LECTERN_PORTAL_URL, the portal's http(s) \
                    address without query or fragment (got \(portal.isEmpty ? "nothing" : "'\(portal)'"))
                    """
                )
            }
            guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
            return .ses(from: from, portalURL: portal)
        default:
            throw ConfigurationError(problems: ["LECTERN_NOTIFY_EMAIL must be 'off' or 'ses' (got '\(mode)')"])
        }
    }

    /// One `@`, something on both sides, no spaces or angle brackets: enough to refuse a typo, not an RFC 5322 parser.
    public static func isPlausibleAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && text.count <= 254
            && !text.contains { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0 == ";" }
    }
}
