"""`make wheel` for one interpreter: the PEP 517 build, auditwheel repair, a check.

    package   `python -m build --wheel --no-isolation` in the build environment
              (requirements/build.lock, hashed): scikit-build-core runs
              CMakeLists.txt, which runs `recipe stage` (sources, htslib, the
              feature gate, pysam's extensions) and packs what it staged.
              The same build `pip wheel .` and cibuildwheel run.
    repair    auditwheel repair into dist/
    verify    the wheel installed in a fresh venv reports what was pinned

Nothing is built in this process: every native step happens inside the PEP
517 build, whose stamps make an unchanged rebuild quick. The wheels are
reproducible, so a rebuild that gives the bytes already in dist/ (and
verified) leaves them there without another verification.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from . import cross, lock as lock_mod, options as options_mod, paths, process, repair as repair_mod
from . import stamps, steps, venvs, verify as verify_mod, wheelnames
from .digests import sha256_of
from .errors import RecipeError


def package(build_python: Path, tag: str, config_settings: dict[str, str] | None = None) -> Path:
    """The PEP 517 build with --no-isolation in the pinned build environment."""
    out = paths.WHEELHOUSE / tag
    shutil.rmtree(out, ignore_errors=True)
    log = steps.new_log(f"package-{tag}")
    settings = [f"-C{key}={value}" for key, value in (config_settings or {}).items()]
    with steps.step(f"the PEP 517 build of the {tag} wheel (log: {log})"):
        process.run([build_python, "-m", "build", "--wheel", "--no-isolation", *settings, "--outdir", out,
                   paths.ROOT], cwd=paths.ROOT, log=log, what="the PEP 517 build")
        wheels = sorted(out.glob("*.whl"))
        if len(wheels) != 1:
            raise RecipeError(f"the PEP 517 build left {len(wheels)} wheels in {out} (log: {log})")
    return wheels[0]


def build(python: str, config_settings: dict[str, str] | None = None) -> Path:
    """The wheel for `python` with these `pysam-s3.*` config settings: for this machine
    or (pysam-s3.arch) another one, a cross build checked with that machine's CPython
    under qemu (recipe/cross.py)."""
    config_settings = config_settings or {}
    options = options_mod.load(overrides=options_mod.parse_config_settings(config_settings))  # checked first
    steps.say(options_mod.HEADING + options.summary())
    build_python = venvs.build_env(python)
    tag = process.python_tag(build_python)
    raw = package(build_python, tag, config_settings)
    final = repair_mod.repair(raw)
    repair_mod.check_tag(final, options.target.libc, options.glibc)
    # dist/.cpXY-<arch>.verified: the sha256 of the last wheel that passed verify()
    verified = paths.DIST / f".{tag}-{wheelnames.machine(final)}.verified"
    digest = sha256_of(final)
    if stamps.is_current(verified, digest, [final]):
        steps.say(f"==> {final.relative_to(paths.ROOT)}: the same bytes as the wheel verified before")
        return final
    verified.unlink(missing_ok=True)
    # the machine the options name (-C pysam-s3.arch, or arch in [tool.pysam-s3]): its CPython checks the wheel
    verify_mod.verify(final, cross.interpreter(options.target, python), lock_mod.load(), options)
    stamps.record(verified, digest)
    return final
