"""htslib built with AddressSanitizer and UndefinedBehaviorSanitizer (`make
sanitize`; also part of `make test`): pysam's patched copy, the tree the
wheel is built from, completed for `make check` from the pinned tag archive
(tests/htslib_trees.py), compiled with -fsanitize=address,undefined and
-fno-sanitize-recover (any report fails the run), leak detection on, and
HTS_ALLOW_UNALIGNED=0 as upstream's own sanitizer builds have it (htslib's
MD5 reads unaligned words on x86 on purpose). Then

* htslib's own `make check` passes with no report;
* a program linked against that libhts alone (tests/s3/programs/htsfile_s3.c)
  reads a BAM whole and by region (the index through the index cache, cold
  and warm), writes it to S3 (a multipart upload and its completion), and
  meets a missing object and a wrong secret, on moto with signature
  checking, with no report either.

Not covered here: pysam's own extension modules (Cython code loaded into an
unsanitized interpreter)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recipe import htslib as htslib_step
from tests.htslib_trees import (SANITIZE, build, environment, make_check, pysams_copy_completed, run,
                                 sanitizer_reports, tail)
from tests.s3 import htsfile_program
from tests.s3.checks import BAM
from tests.s3.htsfile_program import local_count

pytestmark = pytest.mark.timeout(900)

RUNTIME = {"ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "print_stacktrace=1"}


@pytest.fixture(scope="module")
def sanitized(tmp_path_factory):
    """(tree, its build environment, log): libhts and htslib's test programs
    sanitized, and htsfile_s3 linked statically against them."""
    work = tmp_path_factory.mktemp("sanitized")
    tree = pysams_copy_completed(work / "htslib", work)
    flags = " ".join(SANITIZE)
    env = {**environment(CFLAGS=f"-g -O1 {flags} -DHTS_ALLOW_UNALIGNED=0", LDFLAGS=flags), **RUNTIME,
           "HOME": str(work / "home")}  # (a module fixture: not the test's own HOME)
    (work / "home").mkdir()
    log = work / "build.log"
    build(tree, "htslib", env, log)
    program = ["cc", "-g", *SANITIZE, "-o", "htsfile_s3", str(htsfile_program.SOURCE), "-I.", "libhts.a",
               *env["LDFLAGS"].split(), *htslib_step.STATIC_LIBS.split()]
    assert run(program, tree, env, log, 240).returncode == 0, tail(log)
    return tree, env, log


def test_htslibs_make_check_passes_under_the_sanitizers(sanitized):
    tree, env, log = sanitized
    before = log.read_text(errors="replace")
    counts = make_check(tree, env, log)
    assert not sanitizer_reports(log.read_text(errors="replace")[len(before):]), tail(log, 80)
    assert counts["passed"] == counts["total"]


def htsfile(tree: Path, env: dict, home: Path, *args: str) -> dict[str, str]:
    """The program's "name: value" lines, with its exit status and stderr, after
    checking that stderr holds no sanitizer report."""
    full = {**os.environ, **RUNTIME, "HOME": str(home), **{k: v for k, v in env.items() if v is not None}}
    for key in [k for k, v in env.items() if v is None]:
        full.pop(key, None)
    done = htsfile_program.run(tree / "htsfile_s3", full, *args)
    assert not sanitizer_reports(done["stderr"]), done["stderr"][-4000:]
    return done


def test_s3_reads_writes_and_failures_under_the_sanitizers(sanitized, moto, dataset, tmp_path):
    tree = sanitized[0]
    home, env, local = Path(os.environ["HOME"]), moto.env(), dataset / "reads.bam"  # the test's fresh HOME
    whole = htsfile(tree, env, home, moto.url(BAM))
    assert (whole["status"], whole["records"]) == ("0", local_count(local)), whole
    for run_no in ("cold", "warm"):  # the index read, then from the index cache
        region = htsfile(tree, env, home, moto.url(BAM), "chr1:10000-12000")
        assert (region["status"], region["records"]) == ("0", local_count(local, "chr1:10000-12000")), (run_no, region)

    key = moto.scratch("copy.bam")
    copied = htsfile(tree, env, home, moto.url(BAM), moto.url(key))
    assert (copied["status"], copied["records"]) == ("0", local_count(local)), copied
    moto.client.download_file(moto.bucket, moto.key(key), str(tmp_path / "copy.bam"))
    assert local_count(tmp_path / "copy.bam") == local_count(local)

    missing = htsfile(tree, env, home, moto.url("data/no-such.bam"))
    assert missing["status"] == "1" and "NoSuchKey" in missing["open"] + missing["stderr"], missing
    wrong = htsfile(tree, moto.env(moto.creds.with_secret("not-the-secret")), home, moto.url(BAM))
    assert wrong["status"] == "1" and "Signature" in wrong["open"] + wrong["stderr"], wrong
