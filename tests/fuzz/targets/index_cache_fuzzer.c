/* The remote index cache's file names and the log's URL redaction: what
   decides which files in a cache folder may be removed, and what keeps a
   URL's password out of messages.
   Input: any bytes (a file name; also a log message).
   Checked beyond memory safety: a name taken for an entry starts with a
   key (32 lower-case hex digits) and "-", and has an ETag; a URL's key with
   an ETag is an entry; redaction keeps the string's length right. */

#include "hts.c"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kstring_t text = KS_INITIALIZE, key = KS_INITIALIZE;
    const char *etag, *md5;
    size_t etag_len, i;

    // a C string, as callers pass it
    kputsn((const char *) data, strnlen((const char *) data, size), &text);
    if (!text.s) kputs("", &text);

    if (index_cache_entry(text.s, &etag, &etag_len, &md5)) {
        for (i = 0; i < INDEX_CACHE_KEY_LEN; i++)
            if (!is_lower_hex(text.s[i])) abort();
        if (text.s[INDEX_CACHE_KEY_LEN] != '-' || etag_len == 0
            || etag != text.s + INDEX_CACHE_KEY_LEN + 1)
            abort();
    }
    // Its key and an ETag make an entry
    index_cache_key(text.s, &key);
    kputs("00ff", &key);
    if (!index_cache_entry(key.s, NULL, NULL, NULL)) abort();

    redact_url_credentials(&text);
    if (text.l != strlen(text.s)) abort();

    ks_free(&text);
    ks_free(&key);
    return 0;
}
