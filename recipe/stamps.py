"""Fingerprints and stamps: a step whose inputs (fingerprint) and outputs are
unchanged is skipped, which keeps a no-op rebuild fast."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from . import paths

def fingerprint(*parts: object) -> str:
    """A stable hash of the inputs of a step (strings, paths' contents, dicts...)."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            files = (sorted(p for p in part.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
                     if part.is_dir() else [part])
            for f in files:
                h.update(str(f.relative_to(paths.ROOT) if f.is_relative_to(paths.ROOT) else f).encode())
                h.update(f.read_bytes() if f.exists() else b"<missing>")
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()


def is_current(stamp: Path, fp: str, outputs: Iterable[Path] = ()) -> bool:
    """True when `stamp` holds fingerprint `fp` and every output exists."""
    return (stamp.exists() and stamp.read_text().strip() == fp
            and all(Path(o).exists() for o in outputs))


def record(stamp: Path, fp: str) -> None:
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fp + "\n")
