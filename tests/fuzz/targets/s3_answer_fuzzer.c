/* What an S3 server answers, as htslib's S3 backend reads it: error
   documents (the code, message, region, endpoint and times a failure is
   explained with), a multipart upload's UploadId, and the region header a
   redirect carries.
   Input: STATUS-SELECTOR FLAGS BODY (the first two bytes choose the HTTP
   status and whether the file was open for writing and has an ETag). */

#include "hfile_s3.c"
#include "fuzz_common.h"

static const long statuses[] = {
    200, 301, 307, 400, 401, 403, 404, 405, 409, 412, 416, 429, 500, 501,
    503, 504
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    setenv("AWS_ACCESS_KEY_ID", "AKIDFUZZEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "fuzz-secret", 1);
    setenv("AWS_REGION", "eu-west-2", 1);
    hts_set_log_level(HTS_LOG_OFF);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hFILE_s3 fp;
    kstring_t body = KS_INITIALIZE, url = KS_INITIALIZE;
    uint8_t selector, flags;

    if (size < 2) return 0;
    selector = data[0], flags = data[1];
    data += 2, size -= 2;

    memset(&fp, 0, sizeof(fp));
    initialise_local(&fp);
    fp.au = setup_auth_data(flags & 4 ? "s3://bucket/dir/key.bam"
                                      : "s3://Bucket_1/key.bam",
                            flags & 1 ? "w" : "r", 4, &url);
    if (!fp.au) abort();
    kputs(url.s, &fp.url);
    fp.write = flags & 1;
    fp.attempts = flags & 8 ? 3 : 1;
    if (flags & 2) kputs("If-Match: \"0123456789abcdef\"", &fp.if_match);

    kputsn((const char *) data, size, &body);
    if (!body.s) kputs("", &body);

    // (an S3 answer is explained from its status and body: no handle)
    s3_explain_failure(&fp, NULL, NULL,
                       statuses[selector % (sizeof(statuses)
                                            / sizeof(statuses[0]))],
                       &body, CURLE_HTTP_RETURNED_ERROR);
    s3_explain_failure(&fp, NULL, NULL, 200, &body, CURLE_OK);
    get_upload_id(&fp, &body);
    // (last: it cuts the header at the region's end)
    redirect_endpoint(&fp, &body);

    cleanup_local(&fp);
    free_auth_data(fp.au);
    ks_free(&body);
    ks_free(&url);
    return 0;
}
