import Foundation

/// Why SES did not take a message. A struct over a private enum (as jwt-kit's `JWTError`): callers compare
/// `errorType` against the static values, and a new kind never breaks their `switch`.
public struct SESError: Error, Sendable, CustomStringConvertible {
    public struct ErrorType: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable {
            case senderNotVerified, messageRejected, sendingPaused, throttled, unavailable, malformedResponse, refused
        }

        let base: Base
        private init(_ base: Base) { self.base = base }

        /// The From address (or its domain) is not a verified identity in this account and region.
        public static let senderNotVerified = Self(.senderNotVerified)
        /// SES refused this message (in the sandbox: a recipient that is not verified either).
        public static let messageRejected = Self(.messageRejected)
        /// Sending is paused or the account suspended: an operator has to act in the SES console.
        public static let sendingPaused = Self(.sendingPaused)
        /// Over the sending rate or the daily quota.
        public static let throttled = Self(.throttled)
        /// A 5xx, or no answer at all.
        public static let unavailable = Self(.unavailable)
        /// SES answered 2xx with a body that is not what the API promises.
        public static let malformedResponse = Self(.malformedResponse)
        /// Any other refusal (a bad request, a missing identity…); `SESError.code` names it.
        public static let refused = Self(.refused)

        public var description: String { base.rawValue }
    }

    public let errorType: ErrorType
    /// The service's error code (`MessageRejected`, `NotFoundException`…), or the transport's.
    public let code: String
    public let message: String
    public let status: Int
    public let requestID: String?

    init(_ errorType: ErrorType, code: String, message: String, status: Int, requestID: String? = nil) {
        self.errorType = errorType
        self.code = code
        self.message = message
        self.status = status
        self.requestID = requestID
    }

    /// Sorts an `AWSError` from the SES endpoint into a kind.
    init(_ error: AWSError) {
        let type: ErrorType
        switch error.code {
        case "MailFromDomainNotVerifiedException":
            type = .senderNotVerified
        case "MessageRejected" where error.message.localizedCaseInsensitiveContains("not verified"):
            type = .senderNotVerified
        case "MessageRejected":
            type = .messageRejected
        case "SendingPausedException", "AccountSuspendedException":
            type = .sendingPaused
        case _ where error.isThrottling || error.code == "LimitExceededException":
            type = .throttled
        case _ where error.status >= 500 || error.status == 0:
            type = .unavailable
        default:
            type = .refused
        }
        self.init(type, code: error.code, message: error.message, status: error.status, requestID: error.requestID)
    }

    public var description: String {
        var text = "SES \(errorType) \(code) (HTTP \(status)): \(message)"
        if let requestID { text += " [request \(requestID)]" }
        return text
    }
}
