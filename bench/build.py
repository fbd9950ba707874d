"""Packaging numbers: the size of our wheel and of PyPI's (downloaded once
into build/stock-wheels/), a no-op `make wheel` in this checkout and,
with --cold-build, a build from scratch in a fresh clone of HEAD.

Wall time and peak RSS are taken by a fresh child python around `make`:
resource.getrusage(RUSAGE_CHILDREN).ru_maxrss after make has exited is the
peak RSS of the largest single process in make's tree (not a sum), and the
child has run nothing else. Nothing of the benchmark's environment scrubbing
applies: these are the builds a user runs, network settings included.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from recipe import paths, process, steps, testenv

from .proc import BenchError, run

BUILD_TIMEOUT = 3 * 3600  # a cold build from scratch takes a while on 2 cores

_TIMED_MAKE = """
import json, resource, subprocess, sys, time
cwd, log = sys.argv[1:]
start = time.perf_counter()
with open(log, "w") as out:
    status = subprocess.run(["make", "wheel"], cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT).returncode
print(json.dumps({"seconds": time.perf_counter() - start, "returncode": status,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def wheel_sizes(stock_python: Path, version: str) -> dict:
    tag = process.python_tag(stock_python)
    ours = testenv.our_wheel(tag)
    stock = testenv.stock_wheel(stock_python, version)
    return {flavour: {"file": wheel.name, "bytes": wheel.stat().st_size}
            for flavour, wheel in (("ours", ours), ("stock", stock))}


def _make_env() -> dict[str, str]:
    """The caller's environment, minus what a parent make (`make bench`) passes to its children."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}


def timed_make_wheel(cwd: Path, log: Path) -> dict:
    done = run([sys.executable, "-c", _TIMED_MAKE, cwd, log], cwd=cwd, env=_make_env(), timeout=BUILD_TIMEOUT)
    if done.returncode != 0:
        raise BenchError(f"timing `make wheel` in {cwd} failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    return {**result, "log": str(log)}


def noop_rebuild(log: Path) -> dict:
    """`make wheel` again in this checkout; only when it has been built here (else
    it would be a cold build, or a build in the middle of someone's work)."""
    if not paths.STAMPS.is_dir() or not any(paths.STAMPS.iterdir()):
        return {"skipped": f"this checkout has no build ({paths.STAMPS.relative_to(paths.ROOT)} is empty): "
                           "run `make wheel` first"}
    with steps.step(f"no-op `make wheel` (log: {log})"):
        return timed_make_wheel(paths.ROOT, log)


def cold_build(log: Path) -> dict:
    """`make wheel` in a fresh clone of HEAD with build/downloads/ copied in:
    everything is built, only the network fetch is skipped."""
    head = process.output(["git", "-C", paths.ROOT, "rev-parse", "HEAD"]).strip()
    with tempfile.TemporaryDirectory(prefix="pysam-s3-cold-build-") as tmp:
        clone = Path(tmp, "repo")
        with steps.step(f"cold build of {head[:12]} in {clone} (log: {log})"):
            subprocess.run(["git", "clone", "--quiet", str(paths.ROOT), str(clone)], check=True, timeout=600)
            if paths.DOWNLOADS.is_dir():
                shutil.copytree(paths.DOWNLOADS, clone / "build" / "downloads",
                                ignore=shutil.ignore_patterns("rejected"))
            result = timed_make_wheel(clone, log)
            wheels = sorted((clone / "dist").glob("*.whl"))
    return {**result, "commit": head, "wheels": [w.name for w in wheels]}
