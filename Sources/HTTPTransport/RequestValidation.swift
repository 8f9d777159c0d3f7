/// Checks that catch caller mistakes before they reach the wire, each with a clear message.
enum RequestValidation {
    static func check(_ request: HTTPRequest, url: String) throws(HTTPTransportError) {
        let scheme = request.url.scheme?.lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw HTTPTransportError(kind: .other, message: "unsupported URL scheme \(scheme ?? "(none)")", url: url)
        }
        guard request.url.host?.isEmpty == false else {
            throw HTTPTransportError(kind: .other, message: "URL has no host", url: url)
        }
        guard isToken(request.method) else {
            throw HTTPTransportError(
                kind: .other,
                message: "invalid HTTP method \(request.method.debugDescription)",
                url: url
            )
        }
        for field in request.headers {
            guard isToken(field.name) else {
                throw HTTPTransportError(
                    kind: .other,
                    message: "invalid header name \(field.name.debugDescription)",
                    url: url
                )
            }
            // A CR or LF would let a value smuggle in extra header lines.
            guard !field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw HTTPTransportError(
                    kind: .other,
                    message: "header \(field.name) has a line break in its value",
                    url: url
                )
            }
        }
    }

    /// A caller-supplied Content-Length (it may be signed) is sent as is, so it must match the body.
    static func checkContentLength(_ headers: HTTPHeaders, bodyLength: Int64, url: String) throws(HTTPTransportError) {
        guard let given = headers["Content-Length"] else { return }
        guard Int64(given.filter { !$0.isWhitespace }) == bodyLength else {
            throw HTTPTransportError(
                kind: .other,
                message: "Content-Length header \(given) disagrees with the \(bodyLength)-byte body",
                url: url
            )
        }
    }

    /// RFC 9110 token: what method names and header names may contain.
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default:
                    "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
    }
}
