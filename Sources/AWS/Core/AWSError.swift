import Foundation

/// An error answered by an AWS service (or by the transport on the way to it), in one shape for every service.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    /// The service's error code, e.g. `NoSuchKey`, `ConditionalCheckFailedException`,
    /// `AWS.SimpleQueueService.NonExistentQueue`.
    public var code: String
    public var message: String
    public var requestID: String?
    /// HTTP status; 0 when no response was received.
    public var status: Int
    /// Whether the same idempotent request may succeed if sent again (throttling, 5xx, connection errors).
    public var isRetryable: Bool
    public var service: String

    public init(
        code: String,
        message: String,
        requestID: String? = nil,
        status: Int,
        isRetryable: Bool? = nil,
        service: String
    ) {
        self.code = code
        self.message = message
        self.requestID = requestID
        self.status = status
        self.isRetryable = isRetryable ?? AWSError.isRetryable(code: code, status: status)
        self.service = service
    }

    public var description: String {
        var text = "\(service) \(code) (HTTP \(status)): \(message)"
        if let requestID { text += " [request \(requestID)]" }
        return text
    }

    /// True for a DynamoDB `ConditionExpression` that did not hold.
    public var isConditionFailed: Bool { code == "ConditionalCheckFailedException" }
    public var isNotFound: Bool {
        [
            "NoSuchKey", "NotFound", "NoSuchBucket", "NoSuchUpload", "ResourceNotFoundException",
            "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist",
        ].contains(code) || status == 404
    }
    public var isSignatureMismatch: Bool { code == "SignatureDoesNotMatch" || code == "InvalidSignatureException" }

    /// The service refused the request before acting on it because of request rate.
    public var isThrottling: Bool {
        status == 429 || Self.throttlingCodes.contains(code) || code.hasSuffix("ThrottlingException")
            || code.hasSuffix("ThrottledException")
    }

    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
        "RequestThrottled", "SlowDown", "BandwidthLimitExceeded", "EC2ThrottledException",
    ]

    static let retryableCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
        "RequestThrottled", "SlowDown", "RequestTimeout", "RequestTimeoutException", "InternalError",
        "InternalFailure", "InternalServerError", "ServiceUnavailable", "TransactionInProgressException",
        "LimitExceededException", "BandwidthLimitExceeded", "EC2ThrottledException",
        "PriorRequestNotComplete", "IDPCommunicationError",
    ]

    static func isRetryable(code: String, status: Int) -> Bool {
        if retryableCodes.contains(code) { return true }
        if code.hasSuffix("ThrottlingException") || code.hasSuffix("ThrottledException") { return true }
        return status == 429 || status == 500 || status == 502 || status == 503 || status == 504
    }
}

/// Turns an error response body into an `AWSError`. Understands S3's XML, SQS's query XML and the JSON protocols,
/// and falls back to the HTTP status when the body is garbage.
enum AWSErrorParser {
    static func parse(status: Int, headers: [String: String], body: Data, service: String) -> AWSError {
        let requestID = headers["x-amz-request-id"] ?? headers["x-amzn-requestid"] ?? headers["x-amz-id-2"]
        // SQS's JSON protocol carries the legacy query code in a header.
        if let queryError = headers["x-amzn-query-error"], let code = queryError.split(separator: ";").first {
            let message = jsonMessage(body) ?? httpReason(status)
            return AWSError(
                code: String(code),
                message: message,
                requestID: requestID,
                status: status,
                service: service
            )
        }
        let trimmed = body.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if trimmed.first == UInt8(ascii: "{"),
            let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        {
            let rawType =
                (object["__type"] as? String) ?? (object["code"] as? String) ?? (object["Code"] as? String)
                ?? headers["x-amzn-errortype"] ?? "HTTP\(status)"
            // "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" → the part after '#';
            // "ValidationException:http://..." → the part before ':'.
            var code = rawType.split(separator: "#").last.map(String.init) ?? rawType
            if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
            let message = (object["message"] as? String) ?? (object["Message"] as? String) ?? httpReason(status)
            return AWSError(code: code, message: message, requestID: requestID, status: status, service: service)
        }
        if trimmed.first == UInt8(ascii: "<"), let root = try? XMLNode.parse(body) {
            // S3: <Error><Code/><Message/><RequestId/></Error>; query:
            // <ErrorResponse><Error>…</Error><RequestId/></ErrorResponse>
            // moto (and some AWS query endpoints) nest it once more: <ErrorResponse><Errors><Error>…
            let error = root.name == "Error" ? root : (root.first("Error") ?? root.first("Errors")?.first("Error"))
            if let error, let code = error.first("Code")?.text, !code.isEmpty {
                let message = error.first("Message")?.text ?? httpReason(status)
                let id =
                    error.first("RequestId")?.text ?? root.first("RequestId")?.text ?? root.first("RequestID")?.text
                    ?? requestID
                return AWSError(code: code, message: message, requestID: id, status: status, service: service)
            }
        }
        let code =
            headers["x-amzn-errortype"].map { String($0.split(separator: ":").first ?? "") } ?? defaultCode(status)
        return AWSError(
            code: code,
            message: httpReason(status) + snippet(body),
            requestID: requestID,
            status: status,
            service: service
        )
    }

    private static func jsonMessage(_ body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        return (object["message"] as? String) ?? (object["Message"] as? String)
    }

    private static func defaultCode(_ status: Int) -> String {
        switch status {
        case 404: "NotFound"
        case 403: "AccessDenied"
        case 503: "ServiceUnavailable"
        case 500: "InternalError"
        default: "HTTP\(status)"
        }
    }

    private static func httpReason(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 409: "Conflict"
        case 412: "Precondition Failed"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "HTTP \(status)"
        }
    }

    private static func snippet(_ body: Data) -> String {
        guard !body.isEmpty else { return "" }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ")
        return " — unexpected body: \(text)"
    }
}
