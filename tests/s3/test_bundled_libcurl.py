"""Our wheel carries its own libcurl; stock pysam dlopen()s the system's
libcurl.so.4 and has no S3 without it (slim containers have none). A file
named libcurl.so.4 that is not a library, first on LD_LIBRARY_PATH, makes the
system's unloadable for this one run: stock then says 'Protocol not supported'."""

from __future__ import annotations

import pytest

from tests.s3.checks import BAM, assert_read_bam, read_bam

pytestmark = pytest.mark.timeout(60)


def test_s3_works_when_the_system_libcurl_cannot_be_loaded(endpoint, dataset, tmp_path):
    (tmp_path / "libs").mkdir()
    (tmp_path / "libs" / "libcurl.so.4").write_bytes(b"")
    assert_read_bam(read_bam(endpoint.url(BAM), endpoint.env(LD_LIBRARY_PATH=str(tmp_path / "libs"))), dataset)
