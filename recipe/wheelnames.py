"""Wheel file names, read by packaging's parser (the reference), not by patterns."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from .errors import RecipeError

MACHINES = ("x86_64", "aarch64", "i686", "armv7l", "ppc64le", "s390x", "riscv64")


def machine(wheel: Path) -> str:
    """The machine a wheel is for, from its Linux platform tag: x86_64, aarch64, ..."""
    for tag in _tags(wheel):
        found = re.fullmatch(rf"(?:many|musl)?linux(?:_\d+_\d+)?_({'|'.join(MACHINES)})", tag.platform)
        if found:
            return found.group(1)
    raise RecipeError(f"{wheel.name} has no Linux platform tag")


def interpreter(wheel: Path) -> str:
    """The CPython a wheel is for: cp311, ..."""
    return sorted({t.interpreter for t in _tags(wheel)})[0]


def platforms(wheel: Path, prefix: str) -> list[tuple[int, int]]:
    """The (X, Y) of each PREFIX_X_Y_MACHINE platform tag (prefix: manylinux, musllinux)."""
    found = (re.fullmatch(rf"{prefix}_(\d+)_(\d+)_\w+", t.platform) for t in _tags(wheel))
    return sorted({(int(m.group(1)), int(m.group(2))) for m in found if m})


def find(folder: Path, project: str, interpreter: str, arch: str | None = None,
         version: str | None = None) -> list[Path]:
    """The wheels of `project` in folder for CPython `interpreter` (cp311: its own ABI too),
    and for the machine `arch` and `version` if given; sorted."""
    out = []
    for wheel in sorted(folder.glob("*.whl")):
        try:
            name, found_version, _, tags = parse_wheel_filename(wheel.name)
        except InvalidWheelFilename:
            continue
        if name != canonicalize_name(project) or (version and str(found_version) != version):
            continue
        if not any(t.interpreter == interpreter and t.abi == interpreter for t in tags):
            continue
        if arch and machine(wheel) != arch:
            continue
        out.append(wheel)
    return out


def _tags(wheel: Path):
    try:
        return parse_wheel_filename(wheel.name)[3]
    except InvalidWheelFilename as e:
        raise RecipeError(f"{wheel.name} is not a wheel's file name: {e}") from None
