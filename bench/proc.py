"""Subprocesses of the benchmark: each in its own process group, killed as a
group when its time is up or the benchmark dies.

A measurement runs a script of bench/ with a venv's python (`-I`: only the
venv's packages are importable), in a working directory of its own, with a
clean environment: a fresh HOME (htslib reads ~/.aws, ~/.s3cfg; ours keeps
remote indexes in ~/.cache/htslib/indexes) unless the caller passes one (the
S3 part's warm runs reuse a cold run's), no inherited AWS_*/HTS_*/CURL_*/REF_*
variables nor XDG_CACHE_HOME, and every proxy variable pointing at a closed
port on loopback, so a request to anything but 127.0.0.1 fails at once.
Scripts report through a JSON file, not stdout: samtools code run in-process
(pysam.view) writes to file descriptor 1.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from testkit.isolation import loopback_only
from testkit.processes import run_with_deadline, scrubbed_environ

BENCH = Path(__file__).resolve().parent


class BenchError(Exception):
    """What went wrong, for the user: printed without a traceback."""


def environment(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = loopback_only(scrubbed_environ(), home)
    env.pop("XDG_CACHE_HOME", None)  # ours' index cache: under HOME, so a fresh HOME is an empty cache
    return {**env, **(extra or {})}


def run(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float,
        stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """Run to completion or kill the group after *timeout* seconds (BenchError)."""
    proc, out, err, timed_out = run_with_deadline(argv, cwd=cwd, env=env, timeout=timeout, stdout=stdout)
    if timed_out:
        raise BenchError(f"`{' '.join(map(str, argv))}` still running after {timeout:.0f} s: killed")
    return subprocess.CompletedProcess(argv, proc.returncode, out, err.decode(errors="replace"))


def script(python: Path, name: str, *args, cwd: Path, timeout: float,
           env: dict[str, str] | None = None, home: Path | None = None) -> dict:
    """Run bench/<name> in *python*'s venv; returns the JSON it wrote. HOME is
    *home* if given, else a fresh empty directory removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        result = Path(tmp, "result.json")
        if home is None:
            home = Path(tmp, "home")
            home.mkdir()
        done = run([python, "-I", BENCH / name, result, *args], cwd=cwd, env=environment(home, env),
                   timeout=timeout)
        if done.returncode != 0 or not result.exists():
            tail = "\n".join("    | " + line for line in done.stderr.strip().splitlines()[-15:])
            raise BenchError(f"{name} {' '.join(map(str, args))} failed with {python} "
                             f"(exit status {done.returncode}):\n{tail}")
        return json.loads(result.read_text())


def scratch(parent: Path, prefix: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=parent, prefix=prefix))

