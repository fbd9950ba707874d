"""Which Python interpreters to build for.

`make wheel PYTHONS=...` takes, space-separated: versions ("3.9"), commands or
paths ("python3", "/usr/bin/python3.12"), or "all" (every CPython 3.9 to 3.13
on this machine: on PATH or installed by pyenv).
"""

from __future__ import annotations

import glob
import os
import re
import shutil

from .errors import RecipeError

SUPPORTED = ("3.9", "3.10", "3.11", "3.12", "3.13")


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
        found = [p for p in (find(v) for v in SUPPORTED) if p]
        if not found:
            raise RecipeError(f"PYTHONS=all: no CPython {', '.join(SUPPORTED)} found on PATH or in pyenv")
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
