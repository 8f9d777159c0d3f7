import CCurl
import Foundation
import Synchronization

/// One curl multi handle driven by a dedicated thread. Every curl call for the transport's transfers
/// happens on that thread; other threads only queue work in `inbox` and wake the thread with
/// `curl_multi_wakeup`. Sharing the multi handle is what lets concurrent requests reuse each other's
/// keep-alive connections (the connection cache belongs to the multi handle).
final class CurlMultiLoop: @unchecked Sendable {
    struct Configuration {
        var maxConnectionsPerHost: Int
        var maxIdleConnections: Int
    }

    /// What other threads hand to the loop thread.
    private struct Inbox {
        var started: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var stopping = false
        /// The multi handle is gone: nothing may call `curl_multi_wakeup` any more.
        var closed = false
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    // Confined to the loop thread.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var idleHandles: [CurlEasyHandle] = []
    private let maxIdleHandles = 16

    init?(_ configuration: Configuration) {
        guard let multi = curl_multi_init() else { return nil }
        self.multi = multi
        // Beyond this many connections to one host, transfers wait for a free connection instead of
        // opening more: it bounds sockets and makes concurrent requests share keep-alive connections.
        _ = lectern_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxConnectionsPerHost)
        _ = lectern_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, configuration.maxIdleConnections)
        // HTTP/1.1 only: each connection carries one request at a time.
        _ = lectern_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_NOTHING))

        let thread = Thread { [self] in run() }
        thread.name = "lectern-curl-multi"
        thread.start()
    }

    /// Queues a transfer; its continuation is resumed on the loop thread when it ends.
    func start(_ transfer: CurlTransfer) {
        let accepted = inbox.withLock { inbox in
            guard !inbox.stopping else { return false }
            inbox.started.append(transfer)
            curl_multi_wakeup(multi)
            return true
        }
        if !accepted { transfer.fail(kind: .cancelled, message: "transport shut down") }
    }

    /// Asks the loop to abort `transfer` now (its cancel flag must already be set).
    func cancel(_ transfer: CurlTransfer) {
        inbox.withLock { inbox in
            guard !inbox.closed else { return }
            inbox.cancelled.append(transfer)
            curl_multi_wakeup(multi)
        }
    }

    /// Ends the thread; transfers still running fail with `.cancelled`.
    func stop() {
        inbox.withLock { inbox in
            guard !inbox.closed else { return }
            inbox.stopping = true
            curl_multi_wakeup(multi)
        }
    }

    // MARK: Loop thread

    private func run() {
        while true {
            let work = inbox.withLock { inbox in
                defer {
                    inbox.started = []
                    inbox.cancelled = []
                }
                return (inbox.started, inbox.cancelled, inbox.stopping)
            }
            for transfer in work.0 { add(transfer) }
            for transfer in work.1 { abort(transfer, kind: .cancelled, message: "request cancelled") }
            if work.2 { break }

            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            collectFinished()
            expireOverdue()
            // Sleeps until a socket is ready, curl's next timer, a wakeup, or our next deadline.
            _ = curl_multi_poll(multi, nil, 0, pollTimeoutMilliseconds(), nil)
        }
        shutDown()
    }

    private func add(_ transfer: CurlTransfer) {
        if transfer.isCancelled {
            transfer.fail(kind: .cancelled, message: "request cancelled")
            return
        }
        guard let easy = idleHandles.popLast() ?? CurlEasyHandle() else {
            transfer.fail(kind: .other, message: "curl_easy_init failed")
            return
        }
        do {
            try transfer.configure(easy)
        } catch {
            // Not recycled: a handle that refused an option would refuse it again for every later request.
            transfer.fail(kind: .other, code: error.code, message: error.message)
            return
        }
        let code = curl_multi_add_handle(multi, easy.raw)
        guard code == CURLM_OK else {
            recycle(easy)
            transfer.fail(
                kind: .other,
                message: "curl_multi_add_handle failed: \(String(cString: curl_multi_strerror(code)))"
            )
            return
        }
        transfer.easy = easy
        active[easy.raw] = transfer
    }

    private func abort(_ transfer: CurlTransfer, kind: HTTPTransportError.Kind, message: String) {
        guard let easy = transfer.easy, active.removeValue(forKey: easy.raw) != nil else { return }
        curl_multi_remove_handle(multi, easy.raw)
        transfer.easy = nil
        transfer.fail(kind: kind, message: message)
        // Not recycled: libcurl 7.88 keeps the receive buffer of a transfer removed while it waited for a connection,
        // even through `curl_easy_reset`, and then refuses CURLOPT_BUFFERSIZE on that handle for good
        // (FailureTests.aRequestThatTimedOutWaitingForAConnectionLeavesNoBrokenHandle). Dropping it frees it.
    }

    /// curl leaves a transfer that waits for a free connection (CURLMOPT_MAX_HOST_CONNECTIONS) without
    /// any timeout, so one stuck connection would hang every request queued behind it.
    private func expireOverdue() {
        let now = ContinuousClock.now
        for transfer in Array(active.values) {
            guard let deadline = transfer.deadline, deadline <= now else { continue }
            abort(transfer, kind: .timedOut, message: "request exceeded its total timeout")
        }
    }

    private func pollTimeoutMilliseconds() -> Int32 {
        guard !active.isEmpty else { return 60_000 }
        let now = ContinuousClock.now
        let nearest = active.values.compactMap(\.deadline).min().map { max(.zero, $0 - now) } ?? .seconds(1)
        return Int32(min(1_000, nearest.curlMilliseconds))
    }

    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard lectern_curl_msg_is_done(message) != 0, let handle = message.pointee.easy_handle else { continue }
            // The message is only valid until the handle is removed: read it first.
            let code = lectern_curl_msg_result(message)
            guard let transfer = active.removeValue(forKey: handle), let easy = transfer.easy else { continue }
            curl_multi_remove_handle(multi, handle)
            transfer.easy = nil
            transfer.complete(code: code, easy: easy)
            recycle(easy)
        }
    }

    private func recycle(_ easy: CurlEasyHandle) {
        // Clears every pointer into the finished transfer before the handle can be reused.
        easy.reset()
        if idleHandles.count < maxIdleHandles { idleHandles.append(easy) }
    }

    private func shutDown() {
        for transfer in Array(active.values) { abort(transfer, kind: .cancelled, message: "transport shut down") }
        let late = inbox.withLock { inbox in
            inbox.closed = true
            defer { inbox.started = [] }
            return inbox.started
        }
        for transfer in late { transfer.fail(kind: .cancelled, message: "transport shut down") }
        idleHandles.removeAll()
        curl_multi_cleanup(multi)
    }
}
