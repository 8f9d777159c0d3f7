import CCurl
import Foundation

/// The production `HTTPTransport`: libcurl with one multi handle driven by a dedicated thread, so
/// concurrent requests share a keep-alive connection cache.
///
/// - Never follows redirects (S3's 301/307 reach the caller as responses).
/// - Ignores proxy environment variables (`http_proxy`, `HTTPS_PROXY`…): every request goes direct.
/// - Speaks HTTP/1.1 only; sends Content-Length for every body (never chunked) and no `Expect: 100-continue`.
/// - Task cancellation aborts the transfer at once and throws `HTTPTransportError` of kind `.cancelled`.
public final class CurlTransport: HTTPTransport, Sendable {
    public let defaultTimeouts: HTTPTimeouts
    /// Most connections opened to one host; further concurrent requests wait for a free one (that wait
    /// counts towards their total timeout).
    public let maxConnectionsPerHost: Int
    /// Internal so tests can watch its lifetime.
    let loop: CurlMultiLoop?
    private let startupFailure: String?

    public init(timeouts: HTTPTimeouts = .default, maxConnectionsPerHost: Int = 16) {
        self.defaultTimeouts = timeouts
        self.maxConnectionsPerHost = max(1, maxConnectionsPerHost)
        if let failure = CurlGlobal.initFailure {
            loop = nil
            startupFailure = failure
        } else {
            loop = CurlMultiLoop(
                .init(
                    maxConnectionsPerHost: self.maxConnectionsPerHost,
                    maxIdleConnections: max(self.maxConnectionsPerHost, 16)
                )
            )
            startupFailure = loop == nil ? "curl_multi_init failed" : nil
        }
    }

    deinit { loop?.stop() }

    /// Stops the transport: requests in flight and any made afterwards fail with `.cancelled`.
    /// Optional — releasing the transport does the same once no request is running.
    public func shutdown() { loop?.stop() }

    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let loop else {
            throw HTTPTransportError(
                kind: .other,
                message: startupFailure ?? "curl unavailable",
                url: request.url.absoluteString
            )
        }
        let transfer = try CurlTransfer(request, timeouts: request.timeouts ?? defaultTimeouts)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.setContinuation(continuation)
                loop.start(transfer)
            }
        } onCancel: {
            transfer.requestCancel()
            loop.cancel(transfer)
        }
    }
}
