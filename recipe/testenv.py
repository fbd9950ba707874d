"""The venv the test suite runs in: a fresh interpreter with one pysam
installed (our wheel from dist/, or stock pysam from PyPI for comparison)
plus requirements/test.txt, release.txt and bench.txt. Tests import pysam from there,
never from the source tree."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path

from . import cross, paths, process, steps, venvs, wheelnames
from .errors import RecipeError
from .lock import Lock
from .target import Target

# installed next to pysam in every test venv
REQUIREMENTS = tuple(paths.REQUIREMENTS / name for name in ("test.txt", "release.txt", "bench.txt"))


def our_wheel(tag: str, arch: str = platform.machine()) -> Path:
    wheels = wheelnames.find(paths.DIST, "pysam", tag, arch)
    if len(wheels) != 1:
        raise RecipeError(f"expected one {tag} {arch} wheel in {paths.DIST}, found {len(wheels)}: "
                          f"run `make wheel{'' if arch == platform.machine() else ' ARCH=' + arch}` first")
    return wheels[0]


# PyPI's pysam wheels, downloaded once: the benchmark's sizes, the extension tests' stock venvs
STOCK_WHEELS = paths.BUILD / "stock-wheels"


def stock_wheel(python: str | Path, version: str) -> Path:
    """PyPI's pysam `version` wheel for `python` (never a build of its sdist), downloaded
    into build/stock-wheels/ the first time."""
    tag = process.python_tag(python)

    def found() -> list[Path]:
        return wheelnames.find(STOCK_WHEELS, "pysam", tag, version=version)

    if not found():
        log = steps.new_log(f"stock-wheel-{tag}")
        with steps.step(f"download PyPI's pysam {version} wheel into {STOCK_WHEELS.relative_to(paths.ROOT)} "
                        f"(log: {log})"):
            STOCK_WHEELS.mkdir(parents=True, exist_ok=True)
            process.run([python, "-m", "pip", "download", "--disable-pip-version-check", "--no-deps",
                         "--only-binary", ":all:", "-d", STOCK_WHEELS, f"pysam=={version}"], cwd=STOCK_WHEELS,
                        log=log, what=f"pip download pysam=={version}", timeout=600)
    if not found():
        raise RecipeError(f"pip download pysam=={version} gave no {tag} wheel in {STOCK_WHEELS}")
    return found()[-1]


def create_cross(python: str, arch: str) -> Path:
    """A venv of Debian's CPython for `arch` (run through qemu) with our wheel for that
    machine and requirements/test.txt; returns its python."""
    target = cross.target_python(arch, python)
    tag = process.python_tag(target)
    venv = paths.VENVS / f"test-{tag}-{arch}-ours"
    log = steps.new_log(f"testenv-{tag}-{arch}-ours")
    wheel = our_wheel(tag, arch)
    with steps.step(f"create the test venv {venv.relative_to(paths.ROOT)} with {wheel.name} (log: {log})"):
        exe = venvs.fresh(target, venv, log, pip=False)
        venvs.install(exe, [wheel, "-r", paths.REQUIREMENTS / "test.txt"], log, "installing the test venv")
    return exe


def create(python: str, flavour: str, lock: Lock) -> Path:
    """Returns the test venv's python."""
    tag = process.python_tag(python)
    venv = paths.VENVS / f"test-{tag}-{flavour}"
    log = steps.new_log(f"testenv-{tag}-{flavour}")
    pysam = str(our_wheel(tag)) if flavour == "ours" else f"pysam=={lock['pysam'].version}"
    with steps.step(f"create the test venv {venv.relative_to(paths.ROOT)} with {Path(pysam).name} (log: {log})"):
        exe = venvs.fresh(python, venv, log)
        # --only-binary: stock pysam must be PyPI's wheel, never a local build of its sdist.
        process.run([exe, "-m", "pip", "install", "--disable-pip-version-check", "--only-binary", "pysam",
                   pysam, *(arg for f in REQUIREMENTS for arg in ("-r", f))],
                  log=log, what="installing the test venv")
    return exe


def install_s3rver() -> None:
    """`npm ci` from the committed package-lock.json, when it changed, where the
    test kit runs s3rver from."""
    from testkit.s3servers import S3RVER_DIR as S3RVER  # standard library only: loads in the tool venv

    lock_file, done = S3RVER / "package-lock.json", S3RVER / "node_modules" / ".package-lock.json"
    if done.exists() and done.stat().st_mtime >= lock_file.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise RecipeError("the S3 tests run s3rver, a node package: install node and npm "
                          "(Debian/Ubuntu: apt-get install nodejs npm; `make test` does when npm is missing)")
    log = steps.new_log("s3rver")
    with steps.step(f"install s3rver from {lock_file.relative_to(paths.ROOT)} (log: {log})"):
        # cwd, not --prefix: --prefix also moves npm's global config ({prefix}/etc/npmrc),
        # losing the machine's registry and CA settings.
        process.run([npm, "ci", "--no-audit", "--no-fund"], cwd=S3RVER, log=log, what="npm ci (s3rver)")


def run_pytest(python: str, flavour: str, lock: Lock, args: list[str], arch: str | None = None) -> int:
    """pytest in a test venv; arch: another machine's, our wheel for it under qemu."""
    if arch and Target.of(arch, "auto").other_machine:
        if flavour != "ours":
            raise RecipeError(f"--arch {arch} tests our wheel only, not {flavour} pysam")
        exe = create_cross(python, arch)
    else:
        install_s3rver()
        exe = create(python, flavour, lock)
    steps.say(f"==> pytest with {flavour} pysam on {process.python_tag(exe)} {arch or platform.machine()}")
    # The suite's own conftest isolates every test from these; they reach only
    # `--s3-endpoint` runs, which take credentials and CA from the usual places.
    passed_on = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "SSL_CERT_")) or k == "CURL_CA_BUNDLE"}
    return subprocess.run([exe, "-m", "pytest", f"--pysam={flavour}", *args], cwd=paths.ROOT,
                          env=process.clean_env(passed_on)).returncode
