"""Install a finished wheel into a fresh venv and check what it reports:
the pinned versions, the required htslib features, and that pysam's htslib
is the one inside the wheel."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from . import features, paths, process, steps, venvs, wheelnames
from .errors import RecipeError
from .lock import Lock
from .options import Options
from . import buildinfo


def verify(wheel: Path, python: str, lock: Lock, options: Options) -> dict:
    tag = wheelnames.interpreter(wheel)
    arch = wheelnames.machine(wheel)
    venv = paths.VENVS / f"verify-{tag}-{arch}"
    log = steps.new_log(f"verify-{tag}-{arch}")
    with steps.step(f"install {wheel.name} into a fresh venv and check it (log: {log})"):
        # uv, not the venv's pip: `python` may be another machine's, run under qemu
        exe = venvs.fresh(python, venv, log, pip=False)
        venvs.install(exe, ["--no-deps", "--offline", wheel], log, "installing the wheel")
        with tempfile.TemporaryDirectory() as cwd:  # away from the source tree
            report = json.loads(process.output([exe, "-m", "pysam_s3", "--json"], cwd=cwd,
                                             env=process.clean_env()))
        expected = buildinfo.wheel_version(lock, options)
        problems = []
        if report["version"] != expected:
            problems.append(f"version {report['version']} != {expected}")
        if report["pysam"]["version"] != lock["pysam"].version:
            problems.append(f"pysam {report['pysam']['version']} != {lock['pysam'].version}")
        live = report["htslib"]
        if live["version"] != report["build"]["htslib_version"]:
            problems.append(f"htslib {live['version']} loaded, {report['build']['htslib_version']} built")
        lacking = features.missing(live["features"], options.required_features)
        if lacking:
            problems.append(f"htslib lacks {', '.join(lacking)} ({live['features']})")
        if not live["library"].startswith(str(venv)):
            problems.append(f"pysam loaded htslib from {live['library']}, not from the wheel")
        if problems:
            raise RecipeError(f"{wheel.name} installed in {venv} is not what was built:\n  - "
                              + "\n  - ".join(problems))
        steps.say(f"    {report['version']}: htslib {live['version']} {live['features']}, loaded from "
                  f"{Path(live['library']).name}")
    return report
