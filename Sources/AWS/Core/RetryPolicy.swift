import Foundation
import HTTPTransport

/// Exponential backoff with full jitter (sleep = random(0, min(cap, base × 2^attempt))), bounded attempts.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public static let `default` = RetryPolicy()
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The delay before attempt `attempt + 1` (attempt counts from 0), drawn with full jitter.
    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: 0..<1)) -> Duration {
        let exponent = min(attempt, 30)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        return ceiling * random
    }

    /// Whether a failure shows the request never reached the service's logic: throttled (rejected before
    /// processing) or no connection made. Such failures are safe to retry even for sends and conditional writes.
    public static func provesRequestWasNotProcessed(_ error: any Error) -> Bool {
        if let error = error as? AWSError { return error.isThrottling }
        if let error = error as? HTTPTransportError {
            return error.kind == .couldNotConnect || error.kind == .couldNotResolveHost
        }
        return false
    }

    /// Whether a failure is worth another attempt (for idempotent requests only; the caller checks that).
    public static func isRetryable(_ error: any Error) -> Bool {
        if let error = error as? AWSError { return error.isRetryable }
        if let error = error as? HTTPTransportError { return error.isRetryable }
        return false
    }
}
