"""The patch series: ordered, each with a purpose and a test, applied strictly."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from recipe import patches
from recipe.errors import RecipeError
from tests.conftest import ROOT

from .conftest import recipe

SERIES = sorted(p.parent.name for p in (ROOT / "patches").glob("*/series"))


@pytest.mark.parametrize("source", SERIES)
def test_every_patch_has_a_purpose_and_an_existing_test(source):
    for patch in patches.series(source):
        assert len(patch.purpose) > 10, patch.path
        assert patch.test, f"{patch.path.name} names no 'Test:'"
        file, _, name = patch.test.partition("::")
        test_file = ROOT / file
        assert test_file.exists(), patch.test
        assert re.search(rf"def {re.escape(name)}\b", test_file.read_text()), patch.test


def test_a_patch_that_does_not_apply_stops_the_build_and_is_named(project):
    broken = project / "patches" / "htslib" / "0099-broken.patch"
    broken.write_text(
        "Change a line that is not there.\n\n"
        "--- a/hts.c\n+++ b/hts.c\n@@ -1,3 +1,3 @@\n-no such line one\n-no such line two\n"
        "-no such line three\n+x\n+y\n+z\n"
    )
    with open(project / "patches" / "htslib" / "series", "a") as f:
        f.write("0099-broken.patch\n")

    proc = recipe(project, "fetch", "htslib")

    assert proc.returncode == 1
    assert "patch patches/htslib/0099-broken.patch does not apply to htslib" in proc.stderr
    assert "Its purpose: Change a line that is not there." in proc.stderr
    assert "FAILED" in proc.stdout


def series_folder(tmp_path, series: str, patch: str):
    d = tmp_path / "demo"
    d.mkdir()
    (d / "series").write_text(series)
    (d / "0001-x.patch").write_text(patch)
    return d


def test_a_patch_missing_from_the_series_is_an_error(tmp_path):
    d = series_folder(tmp_path, "", "Purpose line.\n")
    with pytest.raises(RecipeError, match="not listed in the series: 0001-x.patch"):
        patches.series("demo", d)


def test_a_patch_without_a_purpose_is_an_error(tmp_path):
    d = series_folder(tmp_path, "0001-x.patch\n", "--- a/x\n+++ b/x\n")
    with pytest.raises(RecipeError, match="must state the patch's purpose"):
        patches.series("demo", d)


# --- tests named by the patches themselves -------------------------------

@pytest.mark.timeout(120)
def test_htslib_sources_compile_without_pysam_tree(tmp_path):
    """patches/htslib/0001: hfile_libcurl.c and hfile_s3.c compile outside pysam's tree.

    Unpatched, they include ../pysam/dynamic_*.h, which exist only in pysam's sdist."""
    tree = ROOT / "vendor" / "htslib" / "src"
    work = tmp_path / "htslib"
    shutil.copytree(tree, work)
    (work / "config.h").write_text("#define HAVE_HMAC 1\n#define HAVE_LIBCURL 1\n#define ENABLE_S3 1\n")
    curl_headers = [f"-I{d}" for d in sorted((ROOT / "build" / "native").glob("*/deps/include"))[:1]]
    for source in ("hfile_libcurl.c", "hfile_s3.c"):
        text = (work / source).read_text()
        assert "../pysam/" not in text
        proc = subprocess.run(["gcc", "-fsyntax-only", "-I.", "-Ihtscodecs", *curl_headers, source], cwd=work,
                              capture_output=True, text=True, timeout=50)
        assert proc.returncode == 0, proc.stderr


@pytest.mark.timeout(300)
def test_libdeflate_x86_code_compiles_with_the_toolchain(tmp_path):
    """patches/libdeflate/0001: libdeflate's AVX-512 CRC32/Adler-32 code compiles with
    zig's clang 22, which no longer knows the "evex512" target feature.

    The unpatched file is compiled too, to show the patch is still needed."""
    from recipe import toolchain
    cc = toolchain.zig("2.28", home=tmp_path / "toolchain").cc  # not build/native: this venv's zig
    tree = ROOT / "vendor" / "libdeflate" / "src"
    unpatched = tmp_path / "unpatched"
    shutil.copytree(tree, unpatched)
    patch = patches.series("libdeflate")[0].path
    subprocess.run(["patch", "-R", "-p1", "-s", "-i", str(patch)], cwd=unpatched, check=True, timeout=30)

    def compile_crc32(root):
        return subprocess.run([cc, "-O2", "-c", "-o", str(tmp_path / "crc32.o"), "lib/crc32.c"],
                              cwd=root, capture_output=True, text=True, timeout=120)

    patched = compile_crc32(tree)
    assert patched.returncode == 0, patched.stderr[-2000:]
    before = compile_crc32(unpatched)
    assert before.returncode != 0 and "requires target feature" in before.stderr, before.stderr[-2000:]
