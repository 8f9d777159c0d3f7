import Foundation
import HTTPTransport
import SigV4

/// One request to an AWS service, before signing.
public struct AWSRequest: Sendable {
    public var method: String
    /// The full URL, path and query percent-encoded exactly as they go on the wire (see `AWSServiceClient.url`).
    public var url: URL
    public var headers: HTTPHeaders
    public var body: HTTPRequestBody
    /// What the signature covers of the body; `.unsigned` is only valid for S3.
    public var payload: PayloadHash
    public var destination: HTTPResponseDestination
    /// Only idempotent requests are retried.
    public var idempotent: Bool
    public var timeouts: HTTPTimeouts?

    public init(
        method: String,
        url: URL,
        headers: HTTPHeaders = [:],
        body: HTTPRequestBody = .empty,
        payload: PayloadHash = .empty,
        destination: HTTPResponseDestination = .memory(),
        idempotent: Bool,
        timeouts: HTTPTimeouts? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.payload = payload
        self.destination = destination
        self.idempotent = idempotent
        self.timeouts = timeouts
    }
}

/// Signs, sends and retries requests to one AWS service; turns error answers into `AWSError`.
/// Shared by the S3, SQS and DynamoDB clients.
public struct AWSServiceClient: Sendable {
    public let service: AWSService
    public let configuration: AWSConfiguration
    public let transport: any HTTPTransport
    public let credentials: any CredentialProvider
    public let retry: RetryPolicy
    /// Where requests go (the configured custom endpoint or AWS's).
    public let endpoint: URL
    /// `endpoint` as text, read once: URLs for requests and presigned links are built from it as strings.
    public let endpointText: String
    private let signers = SignerCache()

    public init(
        service: AWSService,
        configuration: AWSConfiguration,
        transport: any HTTPTransport,
        credentials: any CredentialProvider,
        retry: RetryPolicy = .default
    ) {
        self.service = service
        self.configuration = configuration
        self.transport = transport
        self.credentials = credentials
        self.retry = retry
        self.endpoint = configuration.endpoint(for: service)
        self.endpointText = endpoint.absoluteString
    }

    /// A signer for the current credentials (for presigning).
    public func signer() async throws -> SigV4Signer {
        let current = try await credentials.credentials()
        return signers.signer(for: current) { [configuration, service] in
            SigV4Signer(credentials: $0, region: configuration.region, service: service.rawValue)
        }
    }

    /// Builds a URL from a base, an already percent-encoded path, and raw (unencoded) query items.
    public static func url(base: URL, encodedPath: String, query: [(String, String)] = []) -> URL {
        let text = urlString(base: base.absoluteString, encodedPath: encodedPath, query: query)
        guard let url = URL(string: text) else {
            preconditionFailure("percent-encoded URL did not parse: \(text)")
        }
        return url
    }

    /// `url(base:encodedPath:query:)` as text, from the base's text: no Foundation `URL` parsed or printed.
    public static func urlString(base: String, encodedPath: String, query: [(String, String)] = []) -> String {
        var text = base
        if text.hasSuffix("/") { text.removeLast() }
        text += encodedPath.hasPrefix("/") ? encodedPath : "/" + encodedPath
        if !query.isEmpty {
            text +=
                "?"
                + query.map { name, value in
                    AWSPercentEncoding.encode(name, keepingSlashes: false) + "="
                        + AWSPercentEncoding.encode(value, keepingSlashes: false)
                }.joined(separator: "&")
        }
        return text
    }

    /// Sends `request`, retrying idempotent ones on throttling, 5xx and connection errors.
    /// Answers with the response for 2xx (and 3xx when `acceptRedirects`), throws `AWSError` otherwise.
    public func send(_ request: AWSRequest) async throws -> HTTPResponse {
        var attempt = 0
        while true {
            do {
                return try await sendOnce(request)
            } catch {
                attempt += 1
                // A non-idempotent call is retried only when the failure proves the service never acted on it.
                guard attempt < retry.maxAttempts, RetryPolicy.isRetryable(error),
                    request.idempotent || RetryPolicy.provesRequestWasNotProcessed(error)
                else {
                    throw Self.wrap(error, service: service)
                }
                try await Task.sleep(for: retry.delay(afterAttempt: attempt - 1))
            }
        }
    }

    private func sendOnce(_ request: AWSRequest) async throws -> HTTPResponse {
        let signed = try await signer().signHeaders(
            method: request.method,
            url: request.url,
            headers: request.headers.fields,
            payload: request.payload,
            date: Date()
        )
        let http = HTTPRequest(
            method: request.method,
            url: request.url,
            headers: HTTPHeaders(signed),
            body: request.body,
            destination: request.destination,
            timeouts: request.timeouts
        )
        let response = try await transport.execute(http)
        if (200..<300).contains(response.status) { return response }
        var errorBody = response.body
        if case .file(let path) = request.destination {
            // An error answer went to the download file: read it for the message, then drop the file.
            errorBody = (FileManager.default.contents(atPath: path).map { $0.prefix(65_536) }) ?? Data()
            try? FileManager.default.removeItem(atPath: path)
        }
        var headers: [String: String] = [:]
        for field in response.headers { headers[field.name.lowercased()] = field.value }
        throw AWSErrorParser.parse(
            status: response.status,
            headers: headers,
            body: errorBody,
            service: service.rawValue
        )
    }

    /// Transport failures become `AWSError`s too, so callers have one error type to handle.
    static func wrap(_ error: any Error, service: AWSService) -> any Error {
        if let error = error as? HTTPTransportError {
            return AWSError(
                code: "Transport.\(error.kind.rawValue)",
                message: error.message,
                status: 0,
                isRetryable: error.isRetryable,
                service: service.rawValue
            )
        }
        return error
    }

    // MARK: JSON protocols (SQS, DynamoDB: 1.0; Transcribe: 1.1)

    /// POSTs a JSON request (`jsonVersion` "1.0" or "1.1", as the service model's `metadata.jsonVersion` says) with
    /// `X-Amz-Target: target` and answers the response body. The two versions differ on the wire only in the
    /// content type; the error shapes `AWSErrorParser` reads are the same.
    public func json(
        target: String,
        body: Data,
        idempotent: Bool,
        timeouts: HTTPTimeouts? = nil,
        jsonVersion: String = "1.0"
    ) async throws -> Data {
        var headers: HTTPHeaders = [:]
        headers["Content-Type"] = "application/x-amz-json-\(jsonVersion)"
        headers["X-Amz-Target"] = target
        let request = AWSRequest(
            method: "POST",
            url: Self.url(base: endpoint, encodedPath: "/"),
            headers: headers,
            body: .data(body),
            payload: .bytes(body),
            idempotent: idempotent,
            timeouts: timeouts
        )
        return try await send(request).body
    }

    /// Encodes `input`, calls `target`, decodes the answer; a malformed answer is an `AWSError` with code
    /// `MalformedResponse`.
    public func json<Input: Encodable, Output: Decodable>(
        target: String,
        input: Input,
        output: Output.Type,
        idempotent: Bool,
        timeouts: HTTPTimeouts? = nil,
        jsonVersion: String = "1.0"
    ) async throws -> Output {
        let body = try JSONEncoder().encode(input)
        let answer = try await json(
            target: target,
            body: body,
            idempotent: idempotent,
            timeouts: timeouts,
            jsonVersion: jsonVersion
        )
        do {
            return try JSONDecoder().decode(Output.self, from: answer.isEmpty ? Data("{}".utf8) : answer)
        } catch {
            throw AWSError(
                code: "MalformedResponse",
                message: "\(target) answered JSON that does not decode: \(error)",
                status: 200,
                isRetryable: false,
                service: service.rawValue
            )
        }
    }
}
