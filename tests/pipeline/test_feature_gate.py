"""The feature gate: a libhts without S3 (or any required feature) stops the build."""

from __future__ import annotations

import re

import pytest

from recipe import features

from .conftest import recipe


def test_missing_features_are_named():
    fs = "build=configure libcurl=yes S3=no GCS=yes libdeflate=no lzma=yes"
    assert features.missing(fs, ("libcurl", "S3", "GCS", "libdeflate")) == ["S3", "libdeflate"]
    assert features.missing("build=configure", ("libcurl",)) == ["libcurl"]


def test_only_the_c_library_may_be_needed_glibc_or_musl():
    """musllinux builds link musl's one libc (libm, libpthread, libdl inside it)."""
    assert features.beyond_libc(["libc.so.6", "libm.so.6", "libpthread.so.0"]) == []
    assert features.beyond_libc(["libc.musl-x86_64.so.1"]) == []
    assert features.beyond_libc(["libc.musl-aarch64.so.1"]) == []
    assert features.beyond_libc(["libcurl.so.4", "libc.musl-x86_64.so.1", "libssl.so.3", "libc.musl.so"]) == [
        "libcurl.so.4", "libssl.so.3", "libc.musl.so"]


@pytest.mark.timeout(600)
def test_gate_trips_when_s3_is_turned_off(project):
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(re.sub(r'"--enable-s3"', '"--disable-s3"', text))

    proc = recipe(project, "native", timeout=540)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "feature gate:" in proc.stderr
    assert "lacks S3=no" in proc.stderr
    assert "required-features" in proc.stderr
    # nothing was handed on to pysam's build
    assert not list((project / "build").glob("pysam/*"))
