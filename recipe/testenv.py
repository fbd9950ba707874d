"""The venv the test suite runs in: a fresh interpreter with one pysam
installed (our wheel from dist/, or stock pysam from PyPI for comparison)
plus requirements/test.txt. Tests import pysam from there, never from the
source tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import paths, steps, venvs
from .errors import RecipeError
from .lock import Lock

FLAVOURS = ("ours", "stock")


def our_wheel(tag: str) -> Path:
    wheels = sorted(paths.DIST.glob(f"pysam-*-{tag}-{tag}-*.whl"))
    if len(wheels) != 1:
        raise RecipeError(f"expected one {tag} wheel in {paths.DIST}, found {len(wheels)}: run `make wheel` first")
    return wheels[0]


def create(python: str, flavour: str, lock: Lock) -> Path:
    """Returns the test venv's python."""
    tag = steps.python_tag(python)
    venv = paths.VENVS / f"test-{tag}-{flavour}"
    log = steps.new_log(f"testenv-{tag}-{flavour}")
    pysam = str(our_wheel(tag)) if flavour == "ours" else f"pysam=={lock['pysam'].version}"
    with steps.step(f"create the test venv {venv.relative_to(paths.ROOT)} with {Path(pysam).name} (log: {log})"):
        exe = venvs.fresh(python, venv, log)
        # --only-binary: stock pysam must be PyPI's wheel, never a local build of its sdist.
        steps.run([exe, "-m", "pip", "install", "--disable-pip-version-check", "--only-binary", "pysam",
                   pysam, "-r", paths.REQUIREMENTS / "test.txt"], log=log, what="installing the test venv")
    return exe


def run_pytest(python: str, flavour: str, lock: Lock, args: list[str]) -> int:
    exe = create(python, flavour, lock)
    steps.say(f"==> pytest with {flavour} pysam on {steps.python_tag(exe)}")
    return subprocess.run([exe, "-m", "pytest", *args], cwd=paths.ROOT, env=steps.clean_env()).returncode
