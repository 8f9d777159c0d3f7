import Foundation

/// An error that knows its HTTP answer, rendered as RFC 9457 `application/problem+json`.
/// Anything thrown by a handler that is not an `APIProblem` becomes a 500 whose body says nothing of internals.
public struct APIProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    /// A short, fixed summary of the problem type ("Invalid request body").
    public var title: String
    /// What went wrong this time, in words the caller can act on.
    public var detail: String
    /// A stable slug; the problem `type` URI is built from it.
    public var kind: String
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`, `Allow`).
    public var headers: [String: String]

    public init(status: Int, kind: String, title: String, detail: String, headers: [String: String] = [:]) {
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.headers = headers
    }

    public var description: String { "\(status) \(title): \(detail)" }
    public var typeURI: String { "https://lectern.dev/problems/\(kind)" }

    public static func badRequest(_ detail: String, kind: String = "invalid-request") -> APIProblem {
        APIProblem(status: 400, kind: kind, title: "Invalid request", detail: detail)
    }
    public static func unauthorized(_ detail: String) -> APIProblem {
        APIProblem(
            status: 401,
            kind: "unauthorized",
            title: "Authentication required",
            detail: detail,
            headers: ["WWW-Authenticate": #"Bearer realm="lectern", error="invalid_token""#]
        )
    }
    public static func forbidden(_ detail: String) -> APIProblem {
        APIProblem(status: 403, kind: "forbidden", title: "Not allowed", detail: detail)
    }
    public static func notFound(_ detail: String) -> APIProblem {
        APIProblem(status: 404, kind: "not-found", title: "Not found", detail: detail)
    }
    public static func methodNotAllowed(_ allowed: [String]) -> APIProblem {
        APIProblem(
            status: 405,
            kind: "method-not-allowed",
            title: "Method not allowed",
            detail: "this resource answers \(allowed.joined(separator: ", "))",
            headers: ["Allow": allowed.joined(separator: ", ")]
        )
    }
    public static func conflict(_ detail: String) -> APIProblem {
        APIProblem(status: 409, kind: "conflict", title: "Conflict with the lecture's state", detail: detail)
    }
    public static func payloadTooLarge(_ detail: String) -> APIProblem {
        APIProblem(status: 413, kind: "payload-too-large", title: "Too large", detail: detail)
    }
    public static func unsupportedMediaType(_ detail: String) -> APIProblem {
        APIProblem(status: 415, kind: "unsupported-media-type", title: "Unsupported media type", detail: detail)
    }
    public static func unprocessable(_ detail: String, kind: String = "unprocessable") -> APIProblem {
        APIProblem(status: 422, kind: kind, title: "Request cannot be carried out", detail: detail)
    }
    public static func tooManyRequests(retryAfter seconds: Int) -> APIProblem {
        APIProblem(
            status: 429,
            kind: "rate-limited",
            title: "Too many requests",
            detail: "write rate limit reached; retry in \(seconds) s",
            headers: ["Retry-After": String(seconds)]
        )
    }
    public static func tooManyFailedSignIns(retryAfter seconds: Int) -> APIProblem {
        APIProblem(
            status: 429,
            kind: "rate-limited",
            title: "Too many requests",
            detail: "too many failed sign-ins from this client; retry in \(seconds) s",
            headers: ["Retry-After": String(seconds)]
        )
    }
    public static func serviceUnavailable(_ detail: String) -> APIProblem {
        APIProblem(status: 503, kind: "unavailable", title: "Service unavailable", detail: detail)
    }
    public static let internalError = APIProblem(
        status: 500,
        kind: "internal",
        title: "Internal server error",
        detail: "the server failed to answer this request; it has been logged"
    )

    /// The RFC 9457 body.
    func body(instance: String?) -> Data {
        var object: [String: Any] = ["type": typeURI, "title": title, "status": status, "detail": detail]
        if let instance { object["instance"] = instance }
        // A dictionary of strings and an Int always serialises.
        return try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    public func response(instance: String? = nil) -> APIResponse {
        var response = APIResponse(
            status: status,
            body: body(instance: instance),
            contentType: "application/problem+json"
        )
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { response.headers[name] = value }
        return response
    }
}
