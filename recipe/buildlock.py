"""build/.recipe.lock: one recipe run at a time changes the shared build trees."""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Iterator

from . import paths
from .steps import say

_held = 0  # how deep this process is inside exclusive()


@contextlib.contextmanager
def exclusive() -> Iterator[None]:
    """Hold build/.recipe.lock: one recipe run at a time changes the shared build
    trees (a second `make wheel`, a benchmark's rebuild, a test's recipe call waits
    instead of copying over a tree another run is compiling). Re-entrant within a
    process; a child process (the PEP 517 build) takes it for itself, so callers
    release it before starting one."""
    global _held
    if _held:
        _held += 1
        try:
            yield
        finally:
            _held -= 1
        return
    import fcntl
    paths.BUILD.mkdir(parents=True, exist_ok=True)
    with open(paths.BUILD / ".recipe.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            say(f"==> waiting for another recipe run ({lock.read().strip() or 'unknown'}) to finish with build/")
            fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}: {shlex.join(sys.argv)}\n")
        lock.flush()
        _held = 1
        try:
            yield
        finally:
            _held = 0
            fcntl.flock(lock, fcntl.LOCK_UN)
