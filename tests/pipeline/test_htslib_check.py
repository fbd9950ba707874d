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
the wheel's static network stack, with the machine's compiler. Upstream's
suite holds no s3:// URL: it shows that the series leaves everything else as
upstream has it; the S3 code is tested by tests/s3.

test_hfile_libcurl's mock server prints its port with print(port,
flush=True): with PYTHONUNBUFFERED set that is two writes, and when the test
has read the port and closed its end of the pipe before the newline, the
server dies of a BrokenPipeError and a retry test fails now and then. The
suite runs without PYTHONUNBUFFERED, as upstream's CI does, and a traceback
anywhere in its output fails the test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recipe import htslib as htslib_step, lock, options, toolchain

TREES = {"pysam's copy": "htslib", "pristine 1.24": "htslib-release"}


def fetch(project: Path, *names: str) -> None:
    done = subprocess.run([sys.executable, "-m", "recipe", "fetch", *names], cwd=project, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def complete(tree: Path, release: Path) -> list[str]:
    """Copy in every file of the release tree that `tree` lacks (none it has is
    replaced, nor anything under a path that is a file there); the paths copied."""
    added = []
    for path in sorted(release.rglob("*")):
        rel = path.relative_to(release)
        target = tree / rel
        if path.is_dir() or target.exists() or any((tree / p).is_file() for p in rel.parents):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target, follow_symlinks=False)
        added.append(rel.as_posix())
    return added


def run(argv: list[str], cwd: Path, env: dict, log: Path, timeout: float) -> subprocess.CompletedProcess:
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(argv)}\n")
        out.flush()
        return subprocess.run(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)


def tail(log: Path, lines: int = 30) -> str:
    return f"the end of {log}:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@pytest.mark.timeout(900)
@pytest.mark.parametrize("which", TREES)
def test_htslibs_own_make_check_passes_on_the_patched_tree(project, tmp_path, which):
    name = TREES[which]
    fetch(project, "htslib-release", *(["htslib"] if name == "htslib" else []))
    tree = tmp_path / "htslib"
    shutil.copytree(project / "vendor" / name / "src", tree, symlinks=True)
    if name == "htslib":
        added = complete(tree, project / "vendor" / "htslib-release" / "src")
        assert {"test/test.pl", "bgzip.c", "tabix.c", "htsfile.c"} <= set(added), added[:20]
        # nothing of the library itself came from the release tree: only what pysam's sdist leaves out
        assert not [a for a in added if a.endswith((".c", ".h")) and "/" not in a
                    and a not in ("bgzip.c", "tabix.c", "htsfile.c", "annot-tsv.c")], added

    deps = htslib_step.native_dir(toolchain.select(options.load())) / "deps"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update(htslib_step.against(deps))
    log = tmp_path / "check.log"
    jobs = f"-j{os.cpu_count() or 2}"
    libs = f"LIBS={htslib_step.STATIC_LIBS}"
    if lock.load()[name].autoreconf:
        assert run(["autoreconf", "-i"], tree, env, log, 240).returncode == 0, tail(log)
    htslib_step.write_htscodecs_version(tree)
    steps = [["./configure", *options.load().htslib_configure_options], ["make", jobs, libs],
             ["make", jobs, libs, "check"]]
    for argv in steps:
        done = run(argv, tree, env, log, 600)
        assert done.returncode == 0, f"{' '.join(argv[:2])} failed on {which}; " + tail(log)

    text = log.read_text(errors="replace")
    counts = dict(re.findall(r"^\s+(total|passed|failed)\s+\.\.\s+(\d+)$", text, re.M))
    assert counts.get("failed") == "0" and counts.get("total") == counts.get("passed"), counts
    assert int(counts["total"]) >= 350, counts  # test.pl ran in full
    assert "All tests passed." in text.split("test_hfile_libcurl")[-1], tail(log)
    assert "Traceback" not in text, tail(log, 60)


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
