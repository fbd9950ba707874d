"""Which Python interpreters to build for.

`make wheel PYTHONS=...` takes, space-separated: versions ("3.9"), commands or
paths ("python3", "/usr/bin/python3.12"), or "all" (every CPython the release
builds, [tool.cibuildwheel] build in pyproject.toml, that this machine has: on
PATH or installed by pyenv).
"""

from __future__ import annotations

import glob
import os
import re
import shutil

from . import _toml, paths
from .errors import RecipeError


def supported() -> list[str]:
    """The CPython versions the release builds: "cp39-*" in [tool.cibuildwheel] build is 3.9."""
    with open(paths.PYPROJECT, "rb") as f:
        selectors = _toml.load(f)["tool"]["cibuildwheel"]["build"]
    return [f"{m[1]}.{m[2]}" for m in (re.fullmatch(r"cp(3)(\d+)-\*", s) for s in selectors) if m]


def _pyenv_versions(version: str) -> list[str]:
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    return sorted(glob.glob(f"{root}/versions/{version}.*/bin/python{version}"))


def find(version: str) -> str | None:
    """An interpreter of this X.Y version: pyenv's install first (its shims may refuse
    versions not selected with `pyenv global`), then PATH."""
    found = _pyenv_versions(version)
    if found:
        return found[-1]
    return shutil.which(f"python{version}")


def resolve(specs: list[str]) -> list[str]:
    if specs == ["all"]:
        versions = supported()
        found = [p for p in (find(v) for v in versions) if p]
        if not found:
            raise RecipeError(f"PYTHONS=all: no CPython {', '.join(versions)} found on PATH or in pyenv")
        return found
    out = []
    for spec in specs:
        if re.fullmatch(r"3\.\d+", spec):
            path = find(spec)
            if not path:
                raise RecipeError(f"no Python {spec} found on PATH or in pyenv (~/.pyenv/versions/{spec}.*)")
        else:
            path = shutil.which(spec) or (spec if os.path.exists(spec) else None)
            if not path:
                raise RecipeError(f"Python interpreter {spec!r} not found")
        out.append(path)
    return out
