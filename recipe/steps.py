"""What every build step does: say what it is doing and how long it took, keep its
full log under build/logs/<step>.log, and work in fresh folders.

The rest of a step's machinery has its own module: running commands
(recipe/process.py), skipping unchanged steps (recipe/stamps.py), one recipe
run at a time (recipe/buildlock.py).
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from . import paths
from .errors import RecipeError


def say(message: str) -> None:
    print(message, flush=True)


@contextlib.contextmanager
def step(title: str) -> Iterator[None]:
    say(f"==> {title}")
    start = time.monotonic()
    try:
        yield
    except RecipeError:
        say(f"    FAILED after {time.monotonic() - start:.1f} s")
        raise
    say(f"    done in {time.monotonic() - start:.1f} s")


def log_path(name: str) -> Path:
    paths.LOGS.mkdir(parents=True, exist_ok=True)
    return paths.LOGS / f"{name}.log"


def new_log(name: str) -> Path:
    """build/logs/<name>.log, emptied for a fresh run of the step."""
    log = log_path(name)
    log.write_text("")
    return log


def copy_tree(src: Path, dest: Path) -> None:
    """dest becomes an exact copy of src (build steps work on copies of the vendor trees)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src, dest, symlinks=True)


def fresh_dirs(*dirs: Path) -> None:
    """Remove and recreate output folders, so nothing stale survives a rebuild."""
    for d in dirs:
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
