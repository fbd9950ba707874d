"""The feature gate: a libhts without S3 (or any required feature) stops the build."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from recipe import features, options, stage, toolchain
from recipe.errors import RecipeError

from .conftest import recipe


@pytest.mark.unit
def test_missing_features_are_named():
    fs = "build=configure libcurl=yes S3=no GCS=yes libdeflate=no lzma=yes"
    assert features.missing(fs, ("libcurl", "S3", "GCS", "libdeflate")) == ["S3", "libdeflate"]
    assert features.missing("build=configure", ("libcurl",)) == ["libcurl"]


@pytest.mark.unit
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


# --- the gate on what the wheel ships: libchtslib and the other extensions ----

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")
FEATURES = "build=configure libcurl=yes S3=yes GCS=yes libdeflate=yes"


def shared_library(path: Path, source: str, *args: str) -> Path:
    """A small shared library built with this machine's C compiler."""
    c = path.with_suffix(".c")
    c.write_text(source)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(path), str(c), *args], check=True, timeout=60)
    c.unlink()
    return path


def staged_pysam(tmp_path: Path, features_string: str = FEATURES) -> Path:
    """A stand-in for a staged pysam/: a libchtslib answering hts_version and
    hts_feature_string, and an extension that needs it."""
    folder = tmp_path / "pysam"
    folder.mkdir()
    shared_library(folder / f"libchtslib{SUFFIX}", 'const char *hts_version(void) { return "1.24"; }\n'
                   f'const char *hts_feature_string(void) {{ return "{features_string}"; }}\n')
    shared_library(folder / f"libcutils{SUFFIX}", "int utils(void) { return 1; }\n",
                   f"-L{folder}", f"-l:libchtslib{SUFFIX}")
    return folder


def gate(folder: Path) -> None:
    stage.gate(folder, options.load(), toolchain.system_cc(), sys.executable)


@pytest.mark.unit
@pytest.mark.timeout(120)
def test_the_gate_reads_libchtslib_and_lets_extensions_need_each_other(tmp_path):
    gate(staged_pysam(tmp_path))


@pytest.mark.unit
@pytest.mark.timeout(120)
def test_a_libchtslib_lacking_a_feature_stops_the_build(tmp_path):
    """The wheel's htslib is libchtslib: the gate asks it, as it asks libhts.so."""
    folder = staged_pysam(tmp_path, FEATURES.replace("S3=yes", "S3=no"))
    with pytest.raises(RecipeError, match=rf"feature gate: .*libchtslib{re.escape(SUFFIX)} \(htslib 1.24\) lacks S3=no"):
        gate(folder)


@pytest.mark.unit
@pytest.mark.timeout(120)
def test_an_extension_needing_a_library_beyond_its_siblings_or_exporting_a_bundled_symbol_is_refused(tmp_path):
    folder = staged_pysam(tmp_path)
    shared_library(folder / f"libcbgzf{SUFFIX}", "int bgzf_thing(void) { return 1; }\n", "-Wl,--no-as-needed", "-lz")
    with pytest.raises(RecipeError, match=r"libcbgzf.* is not self-contained:\n  needs libraries beyond the C "
                                          r"library: libz\.so\.1"):
        gate(folder)
    shared_library(folder / f"libcbgzf{SUFFIX}", "int curl_easy_init(void) { return 1; }\n")
    with pytest.raises(RecipeError, match=r"libcbgzf.* is not self-contained:\n  exports bundled symbols: "
                                          r"curl_easy_init"):
        gate(folder)
