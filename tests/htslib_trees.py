"""htslib trees built the way htslib's own users build them (configure, make,
make check), for the tests that run htslib's own suite on our series
(tests/pipeline/test_htslib_check.py) and under sanitizers
(tests/s3/test_sanitized_htslib.py): with the machine's compiler, the
wheel's htslib configure options, and the wheel's static network stack."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from recipe import fetch, htslib as htslib_step, lock, options, paths, toolchain

# What pysam's sdist leaves out of its htslib copy that `make check` needs
PROGRAMS = ("bgzip.c", "tabix.c", "htsfile.c", "annot-tsv.c")
# The series' C unit tests (test/*.c the patches add), which make check runs
C_TESTS = ("test_s3", "test_index_cache")
# How `make sanitize` and `make fuzz` compile htslib (and pysam): ASan and UBSan,
# any UBSan report fatal, frames kept for the reports' stacks.
SANITIZE = ("-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer")
# What the sanitizers print when they find something (LeakSanitizer: where leaks are checked).
REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def sanitizer_reports(text: str) -> list[str]:
    """The lines of `text` that are a sanitizer's report."""
    return [line for line in text.splitlines() if any(r in line for r in REPORTS)]


def native_dir() -> Path:
    """build/native/<toolchain>/ of the wheel's own toolchain: its static dependencies and htslib."""
    return htslib_step.native_dir(toolchain.select(options.load()))


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


def unpatched_release(dest: Path) -> Path:
    """The pinned 1.24 tag archive with htscodecs overlaid, unpatched, in dest
    (from the verified downloads: no network). The series touches none of the
    files pysam's copy lacks, so these are what a patched tree would hold."""
    lk = lock.load()
    for name, into in (("htslib-release", dest), ("htscodecs-release", dest / "htscodecs")):
        src = lk[name]
        fetch.extract(fetch.download(src), into, src.strip_components)
    return dest


def pysams_copy_completed(dest: Path, work: Path) -> Path:
    """The patched tree the wheel was built from (vendor/htslib/src), completed
    for `make check` from the tag archive."""
    shutil.copytree(paths.source_tree("htslib"), dest, symlinks=True)
    added = complete(dest, unpatched_release(work / "release"))
    library = [a for a in added if a.endswith((".c", ".h")) and "/" not in a and a not in PROGRAMS]
    assert not library, f"the tag archive would add library sources to pysam's copy: {library}"
    assert {"test/test.pl", *PROGRAMS} <= set(added), added[:20]
    return dest


def run(argv: list[str], cwd: Path, env: dict, log: Path, timeout: float) -> subprocess.CompletedProcess:
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(argv)}\n")
        out.flush()
        return subprocess.run(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)


def tail(log: Path, lines: int = 30) -> str:
    return f"the end of {log}:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def environment(**extra: str) -> dict[str, str]:
    """The build's environment: the static dependencies, and no PYTHONUNBUFFERED.
    (test_hfile_libcurl's mock server prints its port with print(port, flush=True):
    unbuffered, that is two writes, and when the test has read the port and closed
    the pipe before the newline the server dies of a BrokenPipeError.)"""
    deps = native_dir() / "deps"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update(htslib_step.against(deps))
    for key, value in extra.items():
        env[key] = f"{env.get(key, '')} {value}".strip()
    return env


def build(tree: Path, source: str, env: dict, log: Path, *targets: str) -> None:
    """autoreconf if the source needs it, configure with the wheel's options, make the targets."""
    if lock.load()[source].autoreconf:
        assert run(["autoreconf", "-i"], tree, env, log, 240).returncode == 0, tail(log)
    htslib_step.write_htscodecs_version(tree)
    jobs, libs = f"-j{os.cpu_count() or 2}", f"LIBS={htslib_step.STATIC_LIBS}"
    for argv in (["./configure", *options.load().htslib_configure_options], ["make", jobs, libs, *targets]):
        done = run(argv, tree, env, log, 600)
        assert done.returncode == 0, f"{' '.join(argv[:2])} failed in {tree}; " + tail(log)


def make_check(tree: Path, env: dict, log: Path) -> dict[str, str]:
    """Run `make check`; test.pl's counts, after checking that every suite passed."""
    done = run(["make", f"-j{os.cpu_count() or 2}", f"LIBS={htslib_step.STATIC_LIBS}", "check"], tree, env, log, 600)
    assert done.returncode == 0, "make check failed; " + tail(log, 60)
    text = log.read_text(errors="replace")
    counts = dict(re.findall(r"^\s+(total|passed|failed)\s+\.\.\s+(\d+)$", text, re.M))
    assert counts.get("failed") == "0" and counts.get("total") == counts.get("passed"), counts
    assert int(counts["total"]) >= 350, counts  # test.pl ran in full
    assert "All tests passed." in text.split("test_hfile_libcurl")[-1], tail(log)
    for program in C_TESTS:  # the series' own C tests, in the same make check
        assert f"{program}: all tests passed" in text, tail(log, 60)
    assert "Traceback" not in text, tail(log, 60)
    return counts
