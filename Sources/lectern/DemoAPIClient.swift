import AWS
import Foundation
import LecternAPI

/// The few API calls `lectern demo` makes, over libcurl, as the portal makes them.
struct DemoAPIClient: Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    let base: URL
    let token: String
    let transport: any HTTPTransport

    func call<Output: Decodable>(
        _ method: String,
        _ path: String,
        json: (some Encodable)? = Optional<String>.none,
        expecting statuses: Set<Int> = [200, 201, 202],
        as output: Output.Type
    ) async throws -> Output {
        guard let url = URL(string: path, relativeTo: base)?.absoluteURL else {
            throw Failure(description: "bad path \(path)")
        }
        var headers: HTTPHeaders = ["Authorization": "Bearer \(token)", "Accept": "application/json"]
        var body = HTTPRequestBody.empty
        if let json {
            headers["Content-Type"] = "application/json"
            body = .data(APIJSON.encode(json))
        }
        let response: HTTPResponse
        do {
            response = try await transport.execute(HTTPRequest(method: method, url: url, headers: headers, body: body))
        } catch {
            throw Failure(
                description: "\(method) \(url.absoluteString) failed: \(error) (is the API running? make run starts it)"
            )
        }
        guard statuses.contains(response.status) else {
            throw Failure(
                description: "\(method) \(path) answered HTTP \(response.status): \(Self.problem(in: response.body))"
            )
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Output.self, from: response.body)
        } catch {
            throw Failure(description: "\(method) \(path) answered a body this lectern does not understand: \(error)")
        }
    }

    /// GETs an API link as a player does: no Authorization header, only what the link carries (its playback grant).
    func fetchAsPlayer(_ url: URL) async throws -> String {
        let response = try await transport.execute(HTTPRequest(method: "GET", url: url))
        guard response.status == 200 else {
            throw Failure(
                description:
                    "a player's GET \(url.path) answered HTTP \(response.status): \(Self.problem(in: response.body))"
            )
        }
        return String(decoding: response.body, as: UTF8.self)
    }

    /// PUTs `length` bytes of `file` from `offset` to a presigned URL, streamed from disk; answers the ETag.
    func put(
        file: String,
        offset: Int64,
        length: Int64,
        to url: URL,
        headers: [String: String] = [:]
    ) async throws -> String {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields[name] = value }
        let request = HTTPRequest(
            method: "PUT",
            url: url,
            headers: fields,
            body: .file(path: file, offset: UInt64(offset), length: UInt64(length))
        )
        let response = try await transport.execute(request)
        guard response.status == 200 else {
            throw Failure(
                description:
                    """
                    PUT to storage answered HTTP \(response.status): \
                    \(String(decoding: response.body.prefix(500), as: UTF8.self))
                    """
            )
        }
        return response.headers["ETag"] ?? ""
    }

    /// The `detail` of an RFC 9457 problem body, else the body's start.
    static func problem(in body: Data) -> String {
        struct Problem: Decodable { let detail: String? }
        if let detail = (try? JSONDecoder().decode(Problem.self, from: body))?.detail { return detail }
        return String(decoding: body.prefix(500), as: UTF8.self)
    }
}
