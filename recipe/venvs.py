"""Virtual environments the recipe creates: one build environment per
interpreter (the hashed toolchain lock, requirements/build.lock), and throwaway
venvs in which a finished wheel is installed and checked."""

from __future__ import annotations

import shutil
from pathlib import Path

from . import paths, process, stamps, steps


def build_env(python: str) -> Path:
    """build/venvs/build-cpXY with requirements/build.lock installed (every file checked
    against its sha256); returns its python."""
    tag = process.python_tag(python)
    venv = paths.VENVS / f"build-{tag}"
    req = paths.BUILD_LOCK
    # the interpreter underneath, not the path given: every venv of one Python shares the build env
    fp = stamps.fingerprint(req, process.output([python, "-c", "import sys; print(sys.base_prefix, sys.version)"]))
    exe = venv / "bin" / "python"
    stamp = venv / "pysam-s3.stamp"
    if stamps.is_current(stamp, fp, [exe, paths.BUILD_TOOLS]):
        return exe
    log = steps.new_log(f"venv-build-{tag}")
    with steps.step(f"create the {tag} build environment (log: {log})"):
        fresh(python, venv, log)
        # the files first, checked against the lock's sha256, then installed from them alone:
        # an isolated `pip wheel .` can take its build requirements from the same folder
        process.run([exe, "-m", "pip", "download", "--disable-pip-version-check", "--require-hashes", "-r", req,
                   "-d", paths.BUILD_TOOLS], log=log, what=f"downloading {req.name}")
        process.run([exe, "-m", "pip", "install", "--disable-pip-version-check", "--require-hashes", "--no-index",
                   "--find-links", paths.BUILD_TOOLS, "-r", req], log=log, what=f"installing {req.name} into {venv}")
    stamps.record(stamp, fp)
    return exe


def fresh(python: str, venv: Path, log: Path, pip: bool = True) -> Path:
    """A new venv of `python`; pip=False: without pip (Debian's interpreters have no
    ensurepip), to be filled by install() instead."""
    if venv.exists():
        shutil.rmtree(venv)
    process.run([python, "-m", "venv", *(() if pip else ("--without-pip",)), venv], log=log,
              what=f"creating venv {venv}")
    return venv / "bin" / "python"


def install(exe: Path, args: list[str | Path], log: Path, what: str) -> None:
    """uv (requirements/tools.txt) installs into the venv of `exe` from this machine: for
    another machine's interpreter under qemu, pip itself would run emulated."""
    uv = process.tool("uv", "it is in requirements/tools.txt (make tools)")
    # --system-certs: the machine's trust store, as pip uses it (a registry mirror's CA is there)
    process.run([uv, "pip", "install", "--system-certs", "--python", exe, *args], log=log, what=what)
