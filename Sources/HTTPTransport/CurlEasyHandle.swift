import CCurl

/// Owns one `CURL *` easy handle. Handles are recycled between requests (after `curl_easy_reset`) so
/// their DNS and TLS-session caches survive; connections themselves live in the multi handle's cache.
/// Confined to the multi loop's thread once created.
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer

    init?() {
        guard let raw = curl_easy_init() else { return nil }
        self.raw = raw
    }

    deinit { curl_easy_cleanup(raw) }

    /// Forgets every option of the previous request (pointers into its transfer included).
    func reset() { curl_easy_reset(raw) }

    func set(_ option: CURLoption, _ value: Int) throws(CurlSetoptError) {
        try check(lectern_curl_easy_setopt_long(raw, option, value), option)
    }

    func set(_ option: CURLoption, int64 value: Int64) throws(CurlSetoptError) {
        try check(lectern_curl_easy_setopt_int64(raw, option, curl_off_t(value)), option)
    }

    /// curl copies strings, so the Swift string only needs to live for the call.
    func set(_ option: CURLoption, _ value: String) throws(CurlSetoptError) {
        let code = value.withCString { lectern_curl_easy_setopt_ptr(raw, option, $0) }
        try check(code, option)
    }

    /// For pointers curl keeps using (error buffer, header list, callback user data): the caller keeps
    /// them alive for the whole transfer.
    func set(_ option: CURLoption, pointer: UnsafeRawPointer?) throws(CurlSetoptError) {
        try check(lectern_curl_easy_setopt_ptr(raw, option, pointer), option)
    }

    func set(_ option: CURLoption, callback: lectern_curl_data_callback) throws(CurlSetoptError) {
        try check(lectern_curl_easy_setopt_data_callback(raw, option, callback), option)
    }

    func setSeekCallback(_ callback: lectern_curl_seek_callback) throws(CurlSetoptError) {
        try check(lectern_curl_easy_setopt_seek_callback(raw, callback), CURLOPT_SEEKFUNCTION)
    }

    func setProgressCallback(_ callback: lectern_curl_xferinfo_callback) throws(CurlSetoptError) {
        try check(lectern_curl_easy_setopt_xferinfo_callback(raw, callback), CURLOPT_XFERINFOFUNCTION)
    }

    func info(_ info: CURLINFO) -> Int? {
        var value = 0
        return lectern_curl_easy_getinfo_long(raw, info, &value) == CURLE_OK ? value : nil
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(CurlSetoptError) {
        if code != CURLE_OK { throw CurlSetoptError(code: code, option: option) }
    }
}

/// A rejected option: a bug or a libcurl built without a feature, reported rather than ignored.
struct CurlSetoptError: Error {
    var code: CURLcode
    var option: CURLoption

    var message: String {
        "curl rejected option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))"
    }
}
