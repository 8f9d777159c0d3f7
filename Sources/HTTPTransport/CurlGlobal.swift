import CCurl

/// `curl_global_init` must run exactly once, before any other curl call and never concurrently with one.
/// A `static let` gives us Swift's thread-safe lazy initialisation for free.
enum CurlGlobal {
    /// nil when initialisation succeeded; otherwise why it failed (every transfer then reports it).
    static let initFailure: String? = {
        let code = curl_global_init(Int(CURL_GLOBAL_ALL))
        return code == CURLE_OK ? nil : "curl_global_init failed: \(String(cString: curl_easy_strerror(code)))"
    }()
}
