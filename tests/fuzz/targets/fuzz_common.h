/* What the fuzz targets share: a private folder for the files they write,
   and no setting from the environment the fuzzer was started in. */

#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[] = "/tmp/s3-fuzz.XXXXXX";

static void fuzz_setup(void)
{
    static const char *const names[] = {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION",
        "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_USE_FIPS_ENDPOINT",
        "AWS_USE_DUALSTACK_ENDPOINT", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS",
        "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "HTS_S3_S3CFG", "HTS_S3_HOST",
        "HTS_S3_ADDRESS_STYLE", "HTS_INDEX_CACHE", "XDG_CACHE_HOME", NULL
    };
    int i;
    if (!mkdtemp(fuzz_dir)) {
        perror(fuzz_dir);
        exit(EXIT_FAILURE);
    }
    for (i = 0; names[i]; i++) unsetenv(names[i]);
    setenv("HOME", fuzz_dir, 1);
}

// fuzz_dir/name, in a buffer that lives as long as the process
static const char *fuzz_path(const char *name)
{
    char *path = malloc(strlen(fuzz_dir) + strlen(name) + 2);
    if (!path) abort();
    sprintf(path, "%s/%s", fuzz_dir, name);
    return path;
}

static void fuzz_write(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* The next part of the input, up to a NUL byte (not included) or its end:
   how one input holds several files or strings */
static size_t fuzz_part(const uint8_t **data, size_t *size,
                        const uint8_t **part)
{
    const uint8_t *end = memchr(*data, '\0', *size);
    size_t len = end ? (size_t) (end - *data) : *size;
    *part = *data;
    *data += len + (end != NULL);
    *size -= len + (end != NULL);
    return len;
}

#endif
