"""htslib's own test suite on both patched trees a wheel can be built from:
`make check` (htslib's C unit tests, test/test.pl, the shell suites of
faidx, tabix, mpileup, fastq, base mods, and htscodecs' tests, then
test_hfile_libcurl against its mock server).

* pysam's copy (htslib-source "htslib", the default), completed with what
  pysam's sdist leaves out (test/, bgzip, tabix, htsfile, annot-tsv,
  htscodecs' tests) from the pinned 1.24 tag archive, without replacing any
  file it has;
* the tag archive itself (htslib-release), built as the wheel builds it
  (autoreconf, htscodecs overlaid).

Each tree is the committed series applied afresh (`recipe fetch` in a
project copy), configured with the wheel's htslib options and linked against
the wheel's static network stack, with the machine's compiler
(tests/htslib_trees.py). Upstream's suite holds no s3:// URL: it shows that
the series leaves everything else as upstream has it; the S3 code is tested
by tests/s3. It runs without PYTHONUNBUFFERED (a race in upstream's mock
server: see tests/htslib_trees.environment), and a traceback anywhere in its
output fails the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.htslib_trees import PROGRAMS, build, complete, environment, make_check

TREES = {"pysam's copy": "htslib", "pristine 1.24": "htslib-release"}


def fetch(project: Path, *names: str) -> None:
    done = subprocess.run([sys.executable, "-m", "recipe", "fetch", *names], cwd=project, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.mark.timeout(900)
@pytest.mark.parametrize("which", TREES)
def test_htslibs_own_make_check_passes_on_the_patched_tree(project, tmp_path, which):
    name = TREES[which]
    fetch(project, "htslib-release", *(["htslib"] if name == "htslib" else []))
    tree = tmp_path / "htslib"
    shutil.copytree(project / "vendor" / name / "src", tree, symlinks=True)
    if name == "htslib":
        added = complete(tree, project / "vendor" / "htslib-release" / "src")
        assert {"test/test.pl", *PROGRAMS} <= set(added), added[:20]
    env, log = environment(), tmp_path / "check.log"
    build(tree, name, env, log)
    make_check(tree, env, log)


@pytest.mark.unit
def test_the_check_completes_pysams_copy_only_with_what_it_lacks(tmp_path):
    """complete() never replaces a file, and never puts one under a path that is a file."""
    release, tree = tmp_path / "release", tmp_path / "tree"
    for path, text in {"a.c": "release", "test/t.pl": "t", "b/c.txt": "c", "x/y": "y"}.items():
        (release / path).parent.mkdir(parents=True, exist_ok=True)
        (release / path).write_text(text)
    tree.mkdir()
    (tree / "a.c").write_text("ours")
    (tree / "x").write_text("a file here")
    assert complete(tree, release) == ["b/c.txt", "test/t.pl"]
    assert (tree / "a.c").read_text() == "ours" and (tree / "x").read_text() == "a file here"
