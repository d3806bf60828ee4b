#ifndef STOCKSYNC_CCURL_H
#define STOCKSYNC_CCURL_H

#include <curl/curl.h>

// curl_easy_setopt is variadic, which Swift cannot call. These typed setters
// cover each kind of argument the Shopify client passes.

typedef size_t (*ccurl_write_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_write_callback(CURL *handle, CURLoption option, ccurl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

static inline CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

// The value of a header of the last response, or NULL: always NULL before libcurl 7.84,
// where the header API became standard. The value lives until the next call on the handle.
static inline const char *ccurl_response_header(CURL *handle, const char *name) {
#if LIBCURL_VERSION_NUM >= 0x075400
    struct curl_header *header = NULL;
    if (curl_easy_header(handle, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK || header == NULL) return NULL;
    return header->value;
#else
    (void)handle;
    (void)name;
    return NULL;
#endif
}

#endif
