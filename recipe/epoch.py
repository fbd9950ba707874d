"""SOURCE_DATE_EPOCH: the only timestamps that may enter the wheel.

The wheel's archive dates come from source_date_epoch(): the caller's
SOURCE_DATE_EPOCH (the reproducible-builds convention; the release workflow
sets it to the tagged commit's time), else the commit time of HEAD, else
1980-01-01 (the zip format's first date) for a tree outside git, such as an
unpacked sdist.

The static dependencies are built with DEPENDENCY_EPOCH instead, a constant:
OpenSSL embeds a "built on" date, and with a constant its bytes depend only on
its pinned inputs, so a cached build stays valid across commits.
"""

from __future__ import annotations

import functools
import os
import subprocess

from . import paths

ZIP_EPOCH = 315532800  # 1980-01-01T00:00:00Z
DEPENDENCY_EPOCH = str(ZIP_EPOCH)


@functools.lru_cache(maxsize=None)
def source_date_epoch() -> str:
    given = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if given:
        if not given.isdigit():
            from .errors import RecipeError
            raise RecipeError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, got {given!r}")
        return given
    try:
        commit_time = subprocess.run(["git", "-C", str(paths.ROOT), "log", "-1", "--format=%ct"],
                                     capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit_time = ""
    if commit_time.isdigit() and (paths.ROOT / ".git").exists():
        return str(max(int(commit_time), ZIP_EPOCH))
    return str(ZIP_EPOCH)
