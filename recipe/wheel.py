"""`make wheel` for one interpreter, start to finish:

    native    sources fetched, verified, patched; htslib built; feature gate
    pysam     pysam's extensions built for this interpreter
    package   the PEP 517 build (scikit-build-core) packs the staged tree
    repair    auditwheel repair into dist/
    verify    the wheel installed in a fresh venv reports what was pinned
"""

from __future__ import annotations

import shutil
from pathlib import Path

from . import epoch, paths, pysam_build, repair as repair_mod, stage, steps, venvs, verify as verify_mod
from .errors import RecipeError


def package(build_python: Path, tag: str) -> Path:
    """The PEP 517 build with --no-isolation in the pinned build environment."""
    out = paths.WHEELHOUSE / tag
    shutil.rmtree(out, ignore_errors=True)
    log = steps.new_log(f"package-{tag}")
    with steps.step(f"pack the {tag} wheel with scikit-build-core (log: {log})"):
        steps.run([build_python, "-m", "build", "--wheel", "--no-isolation", "--outdir", out, paths.ROOT],
                  cwd=paths.ROOT, log=log, what="the PEP 517 build")
        wheels = sorted(out.glob("*.whl"))
        if len(wheels) != 1:
            raise RecipeError(f"the PEP 517 build left {len(wheels)} wheels in {out} (log: {log})")
    return wheels[0]


# What the packing, repair and verification depend on besides the built parts.
PACKAGING_INPUTS = (paths.ROOT / "pyproject.toml", paths.ROOT / "CMakeLists.txt", paths.RUNTIME_PACKAGE,
                    paths.ROOT / "recipe", paths.LOCK, paths.PATCHES)


def build(python: str) -> Path:
    with steps.exclusive():  # released before the PEP 517 build, whose `recipe stage` takes it
        lock, options, toolchain, htslib = stage.native()
        build_python = venvs.build_env(python)
        tag = steps.python_tag(build_python)
        built = pysam_build.build(lock, htslib, toolchain, str(build_python))
    stamp = paths.DIST / f".{tag}.stamp"
    # the archive dates are SOURCE_DATE_EPOCH's: a new one means a new wheel
    fp = steps.fingerprint(built, htslib.prefix, epoch.source_date_epoch(), *PACKAGING_INPUTS)
    existing = sorted(paths.DIST.glob(f"pysam-*-{tag}-{tag}-*.whl"))
    if len(existing) == 1 and steps.is_current(stamp, fp, existing):
        steps.say(f"==> {existing[0].relative_to(paths.ROOT)} is up to date")
        return existing[0]
    raw = package(build_python, tag)
    final = repair_mod.repair(raw)
    verify_mod.verify(final, python, lock, options)
    steps.record(stamp, fp)
    return final
