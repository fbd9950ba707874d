"""The license texts of everything the wheel bundles.

Each lock entry names its license texts (`license-files`, paths inside its
unpacked tree). A copy of each is committed under licenses/<entry>/ (or the
`license-dir` it names: another entry's, for the same texts), so that
pyproject.toml can list them as PEP 639 license files: the wheel and the sdist
carry them in .dist-info/licenses/ with a License-File line each. Before a
wheel is staged, every committed copy is compared with the text the pinned,
patched tree really has: a new pin whose license text changed stops the
build until `python -m recipe licenses --update` takes the new text.
"""

from __future__ import annotations

import shutil

from . import paths
from .errors import RecipeError
from .lock import Lock, Source


def in_wheel(src: Source) -> list[str]:
    """Where the texts of `src` sit in the wheel, relative to its .dist-info/licenses/."""
    return [f"licenses/{src.license_dir or src.name}/{name}" for name in src.license_files]


def _pairs(src: Source):
    for name in src.license_files:
        yield paths.source_tree(src.name) / name, paths.LICENSES / (src.license_dir or src.name) / name


def _licensed(lock: Lock, names: list[str]) -> list[str]:
    """The entries of `names` that ship texts of their own: all but overlays,
    which are part of the tree they are overlaid into and covered by its
    license (htscodecs in htslib); any other without license-files is refused."""
    overlays = {ov.source for name in names for ov in lock[name].overlay}
    for name in names:
        if not lock[name].license_files and name not in overlays:
            raise RecipeError(f"{paths.LOCK.name} [sources.{name}] names no license-files: every source "
                              f"bundled into the wheel must ship its license text")
    return [name for name in names if lock[name].license_files]


def check(lock: Lock, names: list[str]) -> None:
    """Raise unless every committed license text equals the one in its pinned tree."""
    stale = []
    for name in _licensed(lock, names):
        for upstream, committed in _pairs(lock[name]):
            if not upstream.is_file():
                raise RecipeError(f"{upstream} does not exist: [sources.{name}] license-files names a file "
                                  f"its tree lacks")
            if not committed.is_file() or committed.read_bytes() != upstream.read_bytes():
                stale.append(f"  - {committed.relative_to(paths.ROOT)} (from {upstream.relative_to(paths.ROOT)})")
    if stale:
        raise RecipeError("the committed license texts differ from the pinned sources':\n" + "\n".join(stale)
                          + "\nRead what changed, then run `python -m recipe licenses --update` and commit.")


def update(lock: Lock, names: list[str]) -> list[str]:
    """Copy the license texts of the pinned trees into licenses/; returns what was written."""
    written = []
    for name in _licensed(lock, names):
        for upstream, committed in _pairs(lock[name]):
            committed.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(upstream, committed)
            written.append(str(committed.relative_to(paths.ROOT)))
    return written
