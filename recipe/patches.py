"""Apply patches/<source>/series to an unpacked source tree.

The series file lists patch files in order (quilt style; '#' starts a
comment). Each patch starts with a header whose first line is its one-line
purpose, and a 'Test:' line naming the test that fails without it; a patch to
C code may name the C unit tests of its functions ('C test:', test/*.c files
the series adds, run by htslib's make check). A patch
that does not apply cleanly (no fuzz) stops the build and is named; a .patch
file missing from the series is an error too, so nothing is forgotten.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from . import paths, process, steps
from .errors import RecipeError


@dataclasses.dataclass(frozen=True)
class Patch:
    path: Path
    purpose: str
    test: str
    c_tests: tuple[str, ...] = ()  # "test/FILE.c::FUNCTION"


def series_dir(source: str) -> Path:
    return paths.PATCHES / source


def read_header(path: Path) -> Patch:
    header = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(("diff ", "--- ", "Index: ")) or line == "---":
            break
        header.append(line)
    header = [h for h in header if h.strip()]
    purpose = header[0].removeprefix("Subject:").strip() if header else ""
    purpose = re.sub(r"^\[PATCH[^\]]*\]\s*", "", purpose)
    test = next((h.split(":", 1)[1].strip() for h in header if h.startswith("Test:")), "")
    c_tests = tuple(t.strip() for h in header if h.startswith("C test:") for t in h.split(":", 1)[1].split(","))
    return Patch(path, purpose, test, c_tests)


def series(source: str, directory: Path | None = None) -> list[Patch]:
    directory = directory or series_dir(source)
    series_file = directory / "series"
    if not directory.exists() or not (series_file.exists() or any(directory.glob("*.patch"))):
        return []
    if not series_file.exists():
        raise RecipeError(f"{directory} has patches but no 'series' file listing their order")
    names = [ln.split("#", 1)[0].strip() for ln in series_file.read_text().splitlines()]
    names = [n for n in names if n]
    listed = set(names)
    unlisted = sorted(p.name for p in directory.glob("*.patch") if p.name not in listed)
    if unlisted:
        raise RecipeError(f"{series_file}: patch file(s) not listed in the series: {', '.join(unlisted)}")
    out = []
    for name in names:
        path = (directory / name).resolve()  # "../htslib/0002-x.patch" shares a patch between series
        if not path.exists():
            raise RecipeError(f"{series_file} lists {name}, which does not exist")
        patch = read_header(path)
        if not patch.purpose:
            raise RecipeError(f"{path}: the first header line must state the patch's purpose")
        out.append(patch)
    return out


def apply_series(source: str, tree: Path, directory: Path | None = None, label: str = "") -> list[Patch]:
    """Apply series `source` (patches/<source>/) to `tree`; `label` names the tree in messages."""
    applied = []
    label = label or source
    log = steps.log_path(f"patch-{label}")
    for patch in series(source, directory):
        try:
            process.run(["patch", "-p1", "--batch", "--forward", "--fuzz=0", "--no-backup-if-mismatch",
                       "-d", tree, "-i", patch.path], log=log, what=f"applying {patch.path.name}")
        except RecipeError as e:
            raise RecipeError(
                f"patch {patch.path.relative_to(paths.ROOT) if patch.path.is_relative_to(paths.ROOT) else patch.path}"
                f" does not apply to {label} in {tree}.\n"
                f"Its purpose: {patch.purpose}\n{e}"
            ) from None
        steps.say(f"    applied {patch.path.name}: {patch.purpose}")
        applied.append(patch)
    return applied
