"""The two venvs measured: ours (the wheel in dist/) and stock (PyPI's pysam
0.24.1), made by recipe.testenv.create, so the benchmark runs exactly the
pysam the test suite runs, with moto from requirements/test.txt for the S3
part and matplotlib for the chart.

testenv.create always starts from scratch, so a venv is reused while a stamp
inside it matches (the wheel's bytes or the stock pin, the requirement files,
the interpreter); the stamp disappears with the venv when `make test`
recreates it. The venv the benchmark itself runs in is never recreated:
tests/bench runs `python -m bench` from the ours test venv.
"""

from __future__ import annotations

import sys
from pathlib import Path

from recipe import paths, process, stamps, testenv
from recipe.lock import Lock


def _fingerprint(python: str, flavour: str, lock: Lock) -> str:
    pysam = testenv.our_wheel(process.python_tag(python)) if flavour == "ours" else f"pysam=={lock['pysam'].version}"
    version = process.output([python, "-c", "import sys; print(sys.version)"])
    return stamps.fingerprint(pysam, *testenv.REQUIREMENTS, version)


def ensure(python: str, flavour: str, lock: Lock) -> Path:
    """The venv's python, created (or recreated) only when needed."""
    venv = paths.VENVS / f"test-{process.python_tag(python)}-{flavour}"
    exe, stamp = venv / "bin" / "python", venv / "bench.stamp"
    if venv.exists() and Path(sys.prefix).resolve() == venv.resolve():
        return exe
    fp = _fingerprint(python, flavour, lock)
    if stamps.is_current(stamp, fp, [exe]):
        return exe
    exe = testenv.create(python, flavour, lock)
    stamps.record(stamp, fp)
    return exe
