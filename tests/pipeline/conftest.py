"""Fixtures for testing the recipe itself, on a throwaway copy of the project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROJECT_FILES = ("recipe", "patches", "requirements", "vendor", "licenses", "LICENSE", "pyproject.toml",
                 "sources.lock.toml", "CMakeLists.txt", "README.md")


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's own files (no vendor trees, no build outputs), with
    copies of the already-verified downloads so nothing is fetched again."""
    copy = tmp_path / "project"
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, copy / name, ignore=shutil.ignore_patterns("src", "__pycache__"))
        else:
            shutil.copy2(src, copy / name)
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    downloads = copy / "build" / "downloads"
    downloads.mkdir(parents=True)
    for f in (ROOT / "build" / "downloads").glob("*.tar*"):
        shutil.copy2(f, downloads / f.name)
    # The static dependencies take ~10 minutes to build and these tests are about
    # htslib and the recipe: reuse them (their stamps match, the inputs are the same).
    for deps in (ROOT / "build" / "native").glob("*/deps"):
        shutil.copytree(deps, copy / deps.relative_to(ROOT), symlinks=True)
    return copy


def recipe(project: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run `python -m recipe ARGS` in a project copy; output captured as text. The default
    timeout stays under the suite's 300 s per test; longer steps pass theirs, under their mark."""
    return subprocess.run([sys.executable, "-m", "recipe", *args], cwd=project, capture_output=True,
                          text=True, timeout=timeout)


def pip_wheel(project: Path, out: Path, *args: str, timeout: float) -> subprocess.CompletedProcess:
    """An isolated `pip wheel .` of a project copy into `out` (pip's own build environment from
    [build-system] requires), the build toolchain's verified files its only index; `args`: more
    of pip's arguments (-C config settings)."""
    from recipe import paths

    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(paths.BUILD_TOOLS),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", str(out), *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=timeout)
