"""The series on a pristine htslib: htslib-source = "htslib-release" is
upstream's 1.24 tag as Debian's archive serves it (a git tag archive, built
as a development snapshot is: autoreconf, htscodecs overlaid), under
patches/htslib-release (the series but 0001, which only turns pysam's copy
back into upstream's network code). A wheel is built from it in a project
copy by an isolated `pip wheel . -C pysam-s3.htslib-source=htslib-release`,
and the S3 read and write format tests pass with it (moto, with and without
authentication). `make test` fetches the two tarballs before the tests run,
which have no network."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile

import pytest

from recipe import buildinfo
from tests.conftest import ROOT

from .conftest import pip_wheel


@pytest.mark.timeout(1500)
def test_a_wheel_of_pristine_htslib_passes_the_s3_format_tests(project, tmp_path):
    for name in ("htslib_1.24.orig.tar.gz", "htscodecs_1.6.7.orig.tar.gz"):
        assert (project / "build" / "downloads" / name).exists(), f"{name}: run `make test`, which fetches it"
    out = tmp_path / "out"
    built = pip_wheel(project, out, "-C", "pysam-s3.htslib-source=htslib-release", timeout=900)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [wheel] = out.glob("pysam-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        info = json.loads(zf.read(buildinfo.BUILD_INFO))
    assert info["htslib_source"] == "htslib-release", info.get("htslib_source")

    # The test venv's packages, with this wheel's pysam in place of ours: no network needed
    venv = tmp_path / "venv"
    shutil.copytree(sys.prefix, venv, symlinks=True)
    python = str(venv / "bin" / "python")
    installed = subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall",
                                str(wheel)], capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-2000:]
    for suite in ("tests", "testkit"):
        shutil.copytree(ROOT / suite, project / suite, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    tested = subprocess.run([python, "-m", "pytest", "--pysam=ours", "-q", "-p", "no:cacheprovider",
                             "tests/s3/test_formats.py", "tests/s3/test_writes.py",
                             "--s3-servers=moto,moto-default"], cwd=project, capture_output=True, text=True,
                            timeout=600)
    summary = tested.stdout.strip().splitlines()[-1:] or [""]
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-2000:]
    assert " passed" in summary[0] and "failed" not in summary[0], summary
