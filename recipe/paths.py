"""Every path the recipe reads or writes, in one place."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "sources.lock.toml"
PATCHES = ROOT / "patches"
# the license texts of everything bundled into the wheel, as the pinned sources carry them
LICENSES = ROOT / "licenses"
VENDOR = ROOT / "vendor"
REQUIREMENTS = ROOT / "requirements"
# the build toolchain, hashed (`make lock` makes it from requirements/build.txt)
BUILD_LOCK = REQUIREMENTS / "build.lock"

BUILD = ROOT / "build"
DOWNLOADS = BUILD / "downloads"
# the build toolchain's files (requirements/build.lock), verified by pip against their sha256
BUILD_TOOLS = DOWNLOADS / "build-tools"
LOGS = BUILD / "logs"
STAMPS = BUILD / "stamps"
NATIVE = BUILD / "native"
PYSAM_BUILDS = BUILD / "pysam"
VENVS = BUILD / "venvs"
WHEELHOUSE = BUILD / "wheelhouse"
# another machine's CPython (Debian's, for a cross build's checks under qemu): scripts/cross-python.sh
CROSS = BUILD / "cross"
DIST = ROOT / "dist"


def source_tree(name: str) -> Path:
    """Where a source is unpacked (git-ignored; vendor/<name>/ itself holds pin notes)."""
    return VENDOR / name / "src"
