import Foundation

/// The headers every portal file goes out with: a strict Content-Security-Policy (scripts and styles from the
/// portal's own origin only, media and uploads also to the bucket's origin), no referrer (playlist URLs carry the
/// token in their query), no framing, no sniffing, and revalidation on every load (no build step means no hashed
/// file names, so a deploy must never mix an old app.js with a new index.html).
public enum PortalHeaders {
    /// `mediaOrigin`: where presigned S3 URLs point (`http://127.0.0.1:5000` on moto, the bucket's host on AWS).
    public static func contentSecurityPolicy(mediaOrigin: String?) -> String {
        let media = mediaOrigin.map { " " + $0 } ?? ""
        return [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' blob:\(media)",
            "media-src 'self' blob:\(media)",
            "connect-src 'self'\(media)",
            "font-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }

    /// The scheme, host and port of `url`, as CSP and CORS write an origin.
    public static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        if let port = url.port, port != defaultPort { return "\(scheme)://\(host):\(port)" }
        return "\(scheme)://\(host)"
    }

    static func security(mediaOrigin: String?) -> [String: String] {
        [
            "Content-Security-Policy": contentSecurityPolicy(mediaOrigin: mediaOrigin),
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-cache",
        ]
    }
}
