/* What htsfile does, for an s3:// URL, built against htslib alone
   (tests/s3/test_plugins.py, tests/s3/test_sanitized_htslib.py): how
   hts_s3_describe() would reach it, its format, and the number of its
   records, all of them or in a region (which loads the index through the
   index cache), or all of them copied to a second URL as BAM.  Prints
   "name: value" lines; frees everything on every path, so a leak checker
   sees only the library's. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/hfile.h>
#include <htslib/hts.h>
#include <htslib/sam.h>

static const char *why(int err)
{
    const char *detail = hfile_error_detail(err);
    return detail ? detail : strerror(err);
}

int main(int argc, char **argv)
{
    htsFile *fp = NULL, *out = NULL;
    sam_hdr_t *hdr = NULL;
    bam1_t *b = NULL;
    hts_itr_t *itr = NULL;
    hts_idx_t *idx = NULL;
    char *text, *format;
    long n = 0;
    int r = -1, status = 1;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s URL [REGION | OUTPUT-URL]\n", argv[0]);
        return 2;
    }
    if ((text = hts_s3_describe(argv[1])) != NULL) {
        char *line = strstr(text, "endpoint\t");
        if (line) printf("endpoint: %.*s\n", (int) strcspn(line + 9, "\n"), line + 9);
        free(text);
    } else {
        printf("describe: %s\n", why(errno));
    }
    if ((fp = hts_open(argv[1], "r")) == NULL) {
        printf("open: %s\n", why(errno));
        return 1;
    }
    format = hts_format_description(hts_get_format(fp));
    printf("format: %s\n", format);
    free(format);
    if ((hdr = sam_hdr_read(fp)) == NULL || (b = bam_init1()) == NULL) goto done;
    if (argc == 3 && strstr(argv[2], "://")) {
        if ((out = hts_open(argv[2], "wb")) == NULL || sam_hdr_write(out, hdr) < 0) {
            printf("write: %s\n", why(errno));
            goto done;
        }
        while ((r = sam_read1(fp, hdr, b)) >= 0 && sam_write1(out, hdr, b) >= 0) n++;
        if (r >= 0) {
            printf("write: %s\n", why(errno));
            goto done;
        }
    } else if (argc == 3) {
        if ((idx = sam_index_load(fp, argv[1])) == NULL
            || (itr = sam_itr_querys(idx, hdr, argv[2])) == NULL) {
            printf("index: %s\n", why(errno));
            goto done;
        }
        while ((r = sam_itr_next(fp, itr, b)) >= 0) n++;
    } else {
        while ((r = sam_read1(fp, hdr, b)) >= 0) n++;
    }
    printf("records: %ld\n", r < -1 ? -1 : n);
    status = r < -1;
 done:
    if (out && hts_close(out) < 0) {
        printf("close: %s\n", why(errno));
        status = 1;
    }
    hts_itr_destroy(itr);
    hts_idx_destroy(idx);
    if (b) bam_destroy1(b);
    if (hdr) sam_hdr_destroy(hdr);
    return hts_close(fp) < 0 || status;
}
