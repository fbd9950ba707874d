/* Object keys and query strings as htslib's S3 backend encodes them for a
   request and its signature, and URL-encoded keys in an s3:// URL.
   Input: any bytes (a key; also read as a query string).
   Checked beyond memory safety: a key escaped and decoded again is the
   key, and an escaped key needs no more escaping. */

#include "hfile_s3.c"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    hts_set_log_level(HTS_LOG_OFF);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kstring_t key = KS_INITIALIZE, decoded = KS_INITIALIZE;
    kstring_t query = KS_INITIALIZE;
    char *escaped;

    // a C string, as callers pass it
    kputsn((const char *) data, strnlen((const char *) data, size), &key);
    if (!key.s) kputs("", &key);

    escaped = escape_path(key.s);
    if (!escaped) abort();
    if (!strchr(key.s, '?')) {
        urldecode_kput(escaped, strlen(escaped), &decoded);
        if (decoded.l != strlen(key.s)
            || (decoded.l && memcmp(decoded.s, key.s, decoded.l) != 0))
            abort();  // the round trip lost or changed a byte
        if (!is_escaped(escaped)) abort();
    }
    free(escaped);
    is_escaped(key.s);

    escaped = escape_query(key.s);
    if (!escaped) abort();
    free(escaped);

    kputs(key.s, &query);
    order_query_string(&query);

    ks_clear(&decoded);
    urldecode_kput(key.s, key.l, &decoded);

    ks_free(&key);
    ks_free(&decoded);
    ks_free(&query);
    return 0;
}
