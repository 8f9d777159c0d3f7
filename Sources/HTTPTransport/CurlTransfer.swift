import CCurl
import Foundation
import Synchronization

/// Everything curl points at while one request is in flight — header list, error buffer, body source,
/// response sink — owned in one place so it outlives the transfer. curl's callbacks find it through
/// the `Unmanaged` pointer given as their user data.
///
/// `@unchecked Sendable` because it crosses from the calling task to the multi loop's thread exactly
/// once (through the loop's locked inbox, which orders the hand-over); from then on everything except
/// `cancelRequested` is touched only on that thread.
final class CurlTransfer: @unchecked Sendable {
    let url: String
    private let method: String
    private let timeouts: HTTPTimeouts
    private let body: RequestBodySource
    private let sink: ResponseBodySink
    private var head = ResponseHeadParser()
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let cancelRequested = Atomic<Bool>(false)
    private var continuation: CheckedContinuation<HTTPResponse, any Error>?
    /// The easy handle while the transfer sits in the multi handle (multi loop thread only).
    var easy: CurlEasyHandle?
    /// When the total timeout runs out, counted from the call to `execute`. curl enforces it too, but
    /// not for a transfer still queued for a free connection, so the loop checks it as well.
    let deadline: ContinuousClock.Instant?

    /// Validates the request and opens its body file, so bad input fails before anything is sent.
    init(_ request: HTTPRequest, timeouts: HTTPTimeouts) throws(HTTPTransportError) {
        url = request.url.absoluteString
        method = request.method
        self.timeouts = timeouts
        deadline = timeouts.total.map { ContinuousClock.now + $0 }
        try RequestValidation.check(request, url: url)
        body = try RequestBodySource(request.body, url: url)
        try RequestValidation.checkContentLength(request.headers, bodyLength: body.length, url: url)
        sink = ResponseBodySink(request.destination)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        for line in Self.headerLines(for: request) {
            headerList = curl_slist_append(headerList, line)
        }
    }

    deinit {
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    // MARK: Calling side

    func setContinuation(_ continuation: CheckedContinuation<HTTPResponse, any Error>) {
        self.continuation = continuation
    }

    /// Safe from any thread: the loop and the callbacks notice it.
    func requestCancel() { cancelRequested.store(true, ordering: .releasing) }
    var isCancelled: Bool { cancelRequested.load(ordering: .acquiring) }

    // MARK: Multi loop side

    /// Points `easy` at this transfer: every option, callback and buffer for one request.
    func configure(_ easy: CurlEasyHandle) throws(CurlSetoptError) {
        let me = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
        try easy.set(CURLOPT_URL, url)
        try easy.set(CURLOPT_ERRORBUFFER, pointer: errorBuffer)
        try easy.set(CURLOPT_NOSIGNAL, 1)
        // An empty proxy disables proxies outright, environment variables (http_proxy…) included:
        // S3 and SQS traffic must not be silently rerouted.
        try easy.set(CURLOPT_PROXY, "")
        try easy.set(CURLOPT_FOLLOWLOCATION, 0)  // S3's 301/307 must reach the caller
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        try easy.set(CURLOPT_TCP_KEEPALIVE, 1)
        try easy.set(CURLOPT_BUFFERSIZE, 256 << 10)
        try easy.set(CURLOPT_UPLOAD_BUFFERSIZE, 256 << 10)

        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, max(1, timeouts.connect.curlMilliseconds))
        try easy.set(CURLOPT_TIMEOUT_MS, timeouts.total.map { max(1, $0.curlMilliseconds) } ?? 0)
        if timeouts.lowSpeedBytesPerSecond > 0 {
            try easy.set(CURLOPT_LOW_SPEED_LIMIT, timeouts.lowSpeedBytesPerSecond)
            try easy.set(CURLOPT_LOW_SPEED_TIME, timeouts.lowSpeedWindow.curlSecondsAtLeastOne)
        }

        try configureMethod(easy, me)
        try easy.set(CURLOPT_HTTPHEADER, pointer: headerList)
        try easy.set(CURLOPT_HEADERFUNCTION, callback: curlHeaderCallback)
        try easy.set(CURLOPT_HEADERDATA, pointer: me)
        try easy.set(CURLOPT_WRITEFUNCTION, callback: curlWriteCallback)
        try easy.set(CURLOPT_WRITEDATA, pointer: me)
        try easy.set(CURLOPT_NOPROGRESS, 0)
        try easy.setProgressCallback(curlProgressCallback)
        try easy.set(CURLOPT_XFERINFODATA, pointer: me)
    }

    private var isHead: Bool { method == "HEAD" || method.uppercased() == "HEAD" }

    /// curl picks the request line and body framing from these options; CUSTOMREQUEST only renames
    /// the method, so the framing option still has to match what we send.
    private func configureMethod(_ easy: CurlEasyHandle, _ me: UnsafeRawPointer) throws(CurlSetoptError) {
        let upper = method.uppercased()
        var sendsBody = false
        switch upper {
        case "HEAD":
            try easy.set(CURLOPT_NOBODY, 1)
        case "POST":
            // POST with a read callback; the size makes curl send Content-Length, not chunks.
            try easy.set(CURLOPT_POST, 1)
            try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, int64: body.length)
            sendsBody = true
        case "PUT":
            try easy.set(CURLOPT_UPLOAD, 1)
            try easy.set(CURLOPT_INFILESIZE_LARGE, int64: body.length)
            sendsBody = true
        default:
            if body.length > 0 {
                try easy.set(CURLOPT_UPLOAD, 1)
                try easy.set(CURLOPT_INFILESIZE_LARGE, int64: body.length)
                sendsBody = true
            } else {
                try easy.set(CURLOPT_HTTPGET, 1)
            }
        }
        // Only these come out of the options above under their own name (UPLOAD alone means PUT).
        let namedByOptions = upper == "HEAD" || upper == "POST" || upper == "PUT" || (upper == "GET" && !sendsBody)
        if !namedByOptions {
            try easy.set(CURLOPT_CUSTOMREQUEST, method)
        }
        if sendsBody {
            try easy.set(CURLOPT_READFUNCTION, callback: curlReadCallback)
            try easy.set(CURLOPT_READDATA, pointer: me)
            try easy.setSeekCallback(curlSeekCallback)
            try easy.set(CURLOPT_SEEKDATA, pointer: me)
        }
    }

    /// Resumes the caller with the outcome of curl's `code` (called once, on the loop thread).
    func complete(code: CURLcode, easy: CurlEasyHandle) {
        if code == CURLE_OK, sink.finish() {
            let status = head.status ?? easy.info(CURLINFO_RESPONSE_CODE) ?? 0
            resume(
                .success(
                    HTTPResponse(
                        status: status,
                        headers: head.headers,
                        body: sink.memory,
                        bodyLength: sink.received
                    )
                )
            )
        } else if isCancelled {
            fail(kind: .cancelled, message: "request cancelled")
        } else if let failure = sink.failure {
            fail(kind: failure.kind, code: code == CURLE_OK ? nil : code, message: failure.message)
        } else if let failure = body.failure {
            fail(kind: .fileIO, code: code, message: failure)
        } else {
            let detail = String(cString: errorBuffer)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            let kind = HTTPTransportError.Kind(curlCode: code)
            fail(kind: kind == .cancelled ? .other : kind, code: code, message: message)
        }
    }

    func fail(kind: HTTPTransportError.Kind, code: CURLcode? = nil, message: String) {
        let error = HTTPTransportError(
            kind: kind,
            curlCode: code.map { Int32(bitPattern: $0.rawValue) },
            message: message,
            url: url
        )
        resume(.failure(error))
    }

    private func resume(_ result: Result<HTTPResponse, HTTPTransportError>) {
        guard let continuation else { return }
        self.continuation = nil
        continuation.resume(with: result.mapError { $0 as any Error })
    }

    // MARK: Callback bodies

    fileprivate func receiveHeaderLine(_ line: UnsafeRawBufferPointer) -> Bool {
        head.consume(line: line)
        if head.hasFinalHead, !isHead, let announced = head.headers["Content-Length"].flatMap({ Int64($0) }) {
            return sink.checkAnnouncedLength(announced)
        }
        return !isCancelled
    }

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        !isCancelled && sink.write(bytes, status: head.status ?? 0)
    }

    fileprivate func readBody(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if isCancelled { return Int(CURL_READFUNC_ABORT) }
        return body.read(into: buffer) ?? Int(CURL_READFUNC_ABORT)
    }

    fileprivate func seekBody(to offset: Int64, origin: Int32) -> Int32 {
        guard origin == SEEK_SET else { return CURL_SEEKFUNC_CANTSEEK }
        return body.seek(to: offset) ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_FAIL
    }

    private static func headerLines(for request: HTTPRequest) -> [String] {
        var lines = request.headers.map { field in
            // "Name;" is curl's spelling for a header sent with an empty value.
            field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
        }
        // An empty value removes a header curl would add on its own.
        if request.headers["Expect"] == nil { lines.append("Expect:") }  // no 100-continue round trip
        if request.method.uppercased() == "POST" && request.headers["Content-Type"] == nil {
            lines.append("Content-Type:")  // curl would otherwise claim a form
        }
        return lines
    }
}

private func transfer(_ userdata: UnsafeMutableRawPointer?) -> CurlTransfer {
    Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
}

// Returning fewer bytes than given makes curl stop with CURLE_WRITE_ERROR; the transfer then reports
// the reason it recorded (limit, file error, cancellation).
private let curlHeaderCallback: lectern_curl_data_callback = { buffer, size, count, userdata in
    let bytes = size * count
    return transfer(userdata).receiveHeaderLine(UnsafeRawBufferPointer(start: buffer, count: bytes)) ? bytes : 0
}

private let curlWriteCallback: lectern_curl_data_callback = { buffer, size, count, userdata in
    let bytes = size * count
    return transfer(userdata).receiveBody(UnsafeRawBufferPointer(start: buffer, count: bytes)) ? bytes : 0
}

private let curlReadCallback: lectern_curl_data_callback = { buffer, size, count, userdata in
    transfer(userdata).readBody(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
}

private let curlSeekCallback: lectern_curl_seek_callback = { userdata, offset, origin in
    transfer(userdata).seekBody(to: Int64(offset), origin: origin)
}

/// Runs at least once a second during a transfer: a non-zero answer aborts it, which backs up the
/// loop's own removal of cancelled transfers.
private let curlProgressCallback: lectern_curl_xferinfo_callback = { userdata, _, _, _, _ in
    transfer(userdata).isCancelled ? 1 : 0
}
