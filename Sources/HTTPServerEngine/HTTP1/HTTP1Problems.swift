/// What the HTTP/1.1 engine answers itself, before a request reaches the application: all problem+json, like the
/// application's own errors, and all followed by closing the connection (after such a request the byte stream
/// cannot be trusted to be at the start of the next one).
extension APIProblem {
    static func malformedRequest(_ detail: String) -> APIProblem {
        APIProblem(status: 400, kind: "malformed-request", title: "Malformed HTTP request", detail: detail)
    }
    static func headTooLarge(limit: Int) -> APIProblem {
        APIProblem(
            status: 431,
            kind: "header-too-large",
            title: "Request header fields too large",
            detail: "the request line and headers are limited to \(limit) bytes"
        )
    }
    static func tooManyFields(limit: Int) -> APIProblem {
        APIProblem(
            status: 431,
            kind: "header-too-large",
            title: "Request header fields too large",
            detail: "a request may have at most \(limit) header fields"
        )
    }
    static func methodNotImplemented(_ method: String) -> APIProblem {
        APIProblem(
            status: 501,
            kind: "method-not-implemented",
            title: "Method not implemented",
            detail: "this server does not recognise the method '\(method)' (methods are case-sensitive)"
        )
    }
    /// The handler did not answer within the handler timeout; the connection closes after this answer.
    static func handlerTimedOut(after timeout: Duration) -> APIProblem {
        APIProblem(
            status: 503,
            kind: "handler-timeout",
            title: "Service unavailable",
            detail: "the server did not finish this request within \(timeout); it may have been carried out or not",
            headers: ["Retry-After": "1"]
        )
    }
    /// A head or body that did not arrive within its timeout (slowloris, a stalled upload).
    static let requestTimeout = APIProblem(
        status: 408,
        kind: "request-timeout",
        title: "Request timeout",
        detail: "the request did not arrive in time; the connection is closed"
    )
    static let overloaded = APIProblem(
        status: 503,
        kind: "overloaded",
        title: "Service unavailable",
        detail: "the server has as many connections as it accepts; retry shortly",
        headers: ["Retry-After": "1"]
    )
    static func bodyTooLarge(limit: Int) -> APIProblem {
        .payloadTooLarge("request bodies are limited to \(limit) bytes")
    }
    static func expectationFailed(_ expectation: String) -> APIProblem {
        APIProblem(
            status: 417,
            kind: "expectation-failed",
            title: "Expectation failed",
            detail: "only 'Expect: 100-continue' is supported, not '\(expectation)'"
        )
    }
    static func transferCodingNotImplemented(_ coding: String) -> APIProblem {
        APIProblem(
            status: 501,
            kind: "transfer-coding-not-implemented",
            title: "Transfer coding not implemented",
            detail: "request bodies may be sent with Content-Length or 'Transfer-Encoding: chunked', not '\(coding)'"
        )
    }
    static let versionNotSupported = APIProblem(
        status: 505,
        kind: "http-version-not-supported",
        title: "HTTP version not supported",
        detail: "this server speaks HTTP/1.1 and HTTP/1.0"
    )
}

/// Reason phrases for the status line; clients ignore them, people reading captures do not.
enum HTTPReasonPhrase {
    static func phrase(for status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: status < 400 ? "OK" : "Error"
        }
    }
}
