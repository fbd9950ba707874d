"""The htslib series as htslib's own users build it: with --enable-plugins,
where the S3, GCS and libcurl backends are loadable plugins, and without S3
support at all. Built here from the patched tree the wheel was built from
(vendor/htslib/src), against the same static network stack; a small program
doing what htsfile does (tests/s3/programs/htsfile_s3.c, linked against
libhts alone) reads an s3:// URL from a local server.

Before patch 0024, libhts with plugins did not link (hts.c calls
hts_s3_get_object), and the plugins could not load (hfile_set_error_detail
was not exported)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from recipe import htslib as htslib_step
from tests.conftest import ROOT
from tests.htslib_trees import native_dir
from tests.s3 import htsfile_program
from tests.s3.checks import BAM

pytestmark = pytest.mark.timeout(300)

CONFIGURATIONS = {
    "plugins": ["--enable-libcurl", "--enable-s3", "--enable-gcs", "--enable-plugins"],
    "without S3": ["--enable-libcurl", "--disable-s3", "--disable-gcs"],
}


def build(folder: Path, configure: list[str]) -> Path:
    """htslib (lib-shared, and the plugins) and the program, in folder."""
    deps = native_dir() / "deps"
    tree = folder / "htslib"
    shutil.copytree(ROOT / "vendor" / "htslib" / "src", tree)
    env = {**os.environ, **htslib_step.against(deps)}
    log = folder / "build.log"
    with open(log, "w") as out:
        def step(*argv: str) -> None:
            if subprocess.run(argv, cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=240).returncode:
                pytest.fail(f"{' '.join(argv[:2])} failed; the end of {log}:\n"
                            + "\n".join(log.read_text().splitlines()[-15:]), pytrace=False)
        step("./configure", "--disable-ref-cache", "--with-libdeflate", *configure)
        step("make", f"-j{os.cpu_count() or 2}", f"LIBS={htslib_step.STATIC_LIBS}", "lib-shared",
             *(["plugins"] if "--enable-plugins" in configure else []))
        step("cc", "-o", "htsfile_s3", str(htsfile_program.SOURCE), "-I.", "-L.", "-lhts", "-Wl,-rpath," + str(tree))
    return tree


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return {name: build(tmp_path_factory.mktemp(name.replace(" ", "-")), configure)
            for name, configure in CONFIGURATIONS.items()}


def htsfile(tree: Path, env: dict, *args: str) -> dict[str, str]:
    """The program built in tree, its plugins found there."""
    full = {**os.environ, **{k: v for k, v in env.items() if v is not None}, "HTS_PATH": str(tree)}
    return htsfile_program.run(tree / "htsfile_s3", full, *args, timeout=60)


def test_plugins_build_load_and_read_s3(built, moto, dataset):
    """libhts links and loads with RTLD_NOW, the S3 plugin is found on
    HTS_PATH, and it reads a whole BAM and a region (its index through the
    index cache, in hts.c) exactly as pysam reads the local file."""
    tree = built["plugins"]
    assert sorted(p.name for p in tree.glob("hfile_*.so")) == ["hfile_gcs.so", "hfile_libcurl.so", "hfile_s3.so"]
    env = moto.env()
    whole = htsfile(tree, env, moto.url(BAM))
    assert (whole["status"], whole["endpoint"], whole["records"]) == (
        "0", moto.endpoint_url, htsfile_program.local_count(dataset / "reads.bam")), whole
    assert whole["format"].startswith("BAM version 1 compressed sequence data"), whole
    region = htsfile(tree, env, moto.url(BAM), "chr1:10000-12000")
    assert (region["status"], region["records"]) == ("0", htsfile_program.local_count(dataset / "reads.bam", "chr1:10000-12000"))


def test_without_s3_the_functions_say_so(built, moto):
    """Built without S3, the hts_s3_*() functions are there and fail with
    ENOSYS, saying what is missing; s3:// URLs are not supported."""
    result = htsfile(built["without S3"], moto.env(), moto.url(BAM))
    assert result["describe"].startswith("this htslib has no S3 support (configure --enable-s3"), result
    assert result["status"] == "1" and "Protocol not supported" in result["open"], result
