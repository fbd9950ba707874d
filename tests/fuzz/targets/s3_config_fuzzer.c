/* The AWS configuration as htslib's S3 backend reads it: the config,
   credentials and s3cfg files (INI sections, nested settings, keys, dates,
   endpoints, regions, retry settings) and the s3:// URL they apply to.
   Input: CONFIG \0 CREDENTIALS \0 S3CFG \0 URL ("s3://" is put before a URL
   that does not start with "s3"). */

#include "hfile_s3.c"
#include "fuzz_common.h"

static const char *config, *credentials, *s3cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    config = fuzz_path("config");
    credentials = fuzz_path("credentials");
    s3cfg = fuzz_path("s3cfg");
    setenv("AWS_CONFIG_FILE", config, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", credentials, 1);
    setenv("HTS_S3_S3CFG", s3cfg, 1);
    hts_set_log_level(HTS_LOG_OFF);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *files[] = { config, credentials, s3cfg };
    const uint8_t *part;
    kstring_t url = KS_INITIALIZE, request = KS_INITIALIZE;
    s3_auth_data *ad;
    size_t len;
    char *described;
    int i;

    for (i = 0; i < 3; i++) {
        len = fuzz_part(&data, &size, &part);
        fuzz_write(files[i], part, len);
    }
    len = fuzz_part(&data, &size, &part);
    if (len < 2 || part[0] != 's' || part[1] != '3') kputs("s3://", &url);
    kputsn((const char *) part, len, &url);

    // hts_s3_describe() takes any string
    described = s3_describe(url.s);
    free(described);
    // The openers get the schemes the plugin registers (a write, signature
    // version 2: the other path through it)
    if (strncmp(url.s, "s3:", 3) == 0 || strncmp(url.s, "s3+http:", 8) == 0
        || strncmp(url.s, "s3+https:", 9) == 0) {
        if ((ad = setup_auth_data(url.s, "w", 2, &request)) != NULL)
            free_auth_data(ad);
    }
    ks_free(&url);
    ks_free(&request);
    return 0;
}
