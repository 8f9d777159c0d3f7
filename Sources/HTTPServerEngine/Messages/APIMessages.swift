import Foundation

/// A request as the API's handlers see it, independent of the HTTP server: tests build these directly
/// (in-process) or send them over a socket to a live server, and the same handlers answer both.
public struct APIRequest: Sendable {
    public var method: String
    /// The percent-encoded path, without the query.
    public var path: String
    public var query: [String: String]
    /// Names lower-cased.
    public var headers: [String: String]
    public var body: Data
    /// The address of the connection's peer as text (`203.0.113.7`, `2001:db8::1`), as the HTTP engine accepted it;
    /// nil for requests built in-process. Behind a load balancer it is the balancer's address.
    public var clientAddress: String?

    public init(
        method: String,
        path: String,
        query: [String: String] = [:],
        headers: [String: String] = [:],
        body: Data = Data(),
        clientAddress: String? = nil
    ) {
        // As sent: methods are case-sensitive (RFC 9110 §9.1), so `get` is an unknown method, not GET.
        self.method = method
        self.path = path
        self.query = query
        self.headers = Dictionary(
            headers.map { ($0.key.lowercased(), $0.value) },
            uniquingKeysWith: { _, last in last }
        )
        self.body = body
        self.clientAddress = clientAddress
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

public struct APIResponse: Sendable {
    public var status: Int
    /// Header names as written; look-ups through `header(_:)` ignore case.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data(), contentType: String? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        if let contentType { self.headers["Content-Type"] = contentType }
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public static func json(_ value: some Encodable, status: Int = 200) -> APIResponse {
        APIResponse(status: status, body: APIJSON.encode(value), contentType: "application/json")
    }

    public static func text(
        _ text: String,
        status: Int = 200,
        contentType: String = "text/plain; charset=utf-8"
    ) -> APIResponse {
        APIResponse(status: status, body: Data(text.utf8), contentType: contentType)
    }

    public static func noContent() -> APIResponse { APIResponse(status: 204) }
}

/// The API's one JSON dialect: ISO 8601 dates, sorted keys, and decoding errors that name the field.
public enum APIJSON {
    public static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(value) } catch {
            // Our response types hold strings, numbers, dates and URLs only; reaching this is a programming error.
            preconditionFailure("response did not encode: \(error)")
        }
    }

    /// Decodes a request body; every failure is a 400 that says which field is wrong and how.
    public static func decode<T: Decodable>(_ type: T.Type, from request: APIRequest) throws(APIProblem) -> T {
        try checkContentType(request)
        guard !request.body.isEmpty else { throw .badRequest("the request needs a JSON body", kind: "invalid-body") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: request.body)
        } catch let error as DecodingError {
            throw .badRequest(describe(error), kind: "invalid-body")
        } catch {
            throw .badRequest("the body is not valid JSON", kind: "invalid-body")
        }
    }

    /// A body sent as JSON (or with no type): the check `decode` makes first.
    public static func checkContentType(_ request: APIRequest) throws(APIProblem) {
        if let contentType = request.header("Content-Type"),
            !contentType.lowercased().hasPrefix("application/json"), !contentType.lowercased().contains("+json")
        {
            throw .unsupportedMediaType("send the body as application/json, not \(contentType)")
        }
    }

    static func fieldPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    public static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            let field = fieldPath(context.codingPath + [key])
            return "missing field '\(field)'"
        case .typeMismatch(let type, let context):
            return "field '\(fieldPath(context.codingPath))' must be \(describe(type))"
        case .valueNotFound(let type, let context):
            return "field '\(fieldPath(context.codingPath))' must be \(describe(type)), not null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the body is not valid JSON" }
            return "field '\(fieldPath(context.codingPath))' is invalid: \(context.debugDescription)"
        @unknown default:
            return "the body does not match the expected shape"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default:
            String(describing: type).contains("Array")
                ? "an array" : (String(describing: type).contains("Dictionary") ? "an object" : "a \(type)")
        }
    }
}
