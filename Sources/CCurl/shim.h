#ifndef LECTERN_CCURL_SHIM_H
#define LECTERN_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, which Swift cannot call.
// These wrappers give each argument type its own non-variadic entry point.

typedef size_t (*lectern_curl_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
typedef int (*lectern_curl_seek_callback)(void *userdata, curl_off_t offset, int origin);
typedef int (*lectern_curl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                              curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode lectern_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lectern_curl_easy_setopt_int64(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// For strings (curl copies them) and for pointers curl keeps (error buffer, slist, user data).
static inline CURLcode lectern_curl_easy_setopt_ptr(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

/// WRITEFUNCTION, HEADERFUNCTION and READFUNCTION share one signature.
static inline CURLcode lectern_curl_easy_setopt_data_callback(CURL *handle, CURLoption option,
                                                              lectern_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode lectern_curl_easy_setopt_seek_callback(CURL *handle, lectern_curl_seek_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, callback);
}

static inline CURLcode lectern_curl_easy_setopt_xferinfo_callback(CURL *handle,
                                                                  lectern_curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode lectern_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode lectern_curl_easy_getinfo_int64(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode lectern_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/// CURLMsg keeps its result in an anonymous union; reading it in C avoids depending on how Swift imports it.
static inline CURLcode lectern_curl_msg_result(const CURLMsg *message) {
    return message->data.result;
}

static inline int lectern_curl_msg_is_done(const CURLMsg *message) {
    return message->msg == CURLMSG_DONE;
}

#endif
