"""Build pysam's extension modules for one interpreter, with our htslib in libchtslib.

pysam's setup.py is driven in external mode (HTSLIB_MODE=external with
HTSLIB_LIBRARY_DIR/HTSLIB_INCLUDE_DIR), so it never configures its bundled
htslib (its quiet fallback to --disable-libcurl cannot happen) and
CIBUILDWHEEL (which would switch it to dlopen()ing libcurl) is never passed
through; HTSLIB_LINK_ARGS (patch pysam/0005) links our libhts.a whole into
libchtslib, and every other module takes htslib from libchtslib: stock
pysam's builtin layout, so extensions built on pysam find htslib's functions
and pysam's helpers where stock has them. The build runs setuptools' PEP 517
hook in a per-interpreter copy of the patched tree; we keep the resulting
pysam/ package folder, plus the samtools_config_vars.h the build wrote, which
stock pysam ships in pysam/include/samtools.
"""

from __future__ import annotations

import os
import shlex
import shutil
import zipfile
from pathlib import Path

from . import cross, fetch, paths, process, stamps, steps
from .errors import RecipeError
from .htslib import Htslib
from .lock import Lock
from .target import host_libc
from .toolchain import Toolchain

BUILD_WHEEL = (
    "import sys; from setuptools import build_meta as b; "
    "print(b.__legacy__.build_wheel(sys.argv[1]))"
)


def build(lock: Lock, htslib: Htslib, toolchain: Toolchain, python: str) -> Path:
    """Returns the folder holding the built `pysam` package for `python`."""
    libc = toolchain.target.libc
    if libc != host_libc():
        raise RecipeError(f"pysam's extensions for {libc} need a {libc} CPython (for musl: "
                          "cibuildwheel's musllinux image); on this machine `python -m recipe native` builds "
                          f"the {libc} network stack and libhts and gates them, nothing more")
    tag = process.python_tag(python)
    tree = fetch.prepare(lock, "pysam")
    base = paths.PYSAM_BUILDS / f"{tag}-{toolchain.name}"
    work, out, wheels, stamp = base / "src", base / "out", base / "wheel", base / "pysam.stamp"
    fp = stamps.fingerprint("pysam", Path(__file__), lock["pysam"], stamps.fingerprint(tree), toolchain.describe(),
                           toolchain.env(extension=True)["CFLAGS"], htslib.version, htslib.features, str(htslib.prefix),
                           stamps.fingerprint(htslib.static_library), htslib.chtslib_map.read_text(), python)
    if stamps.is_current(stamp, fp, [out / "pysam" / "__init__.py"]):
        return out

    log = steps.new_log(f"pysam-{tag}-{toolchain.name}")
    with steps.step(f"build pysam {lock['pysam'].version} extensions for {tag} (log: {log})"):
        steps.fresh_dirs(out, wheels)
        steps.copy_tree(tree, work)
        # a cross build: the target CPython's configuration (suffix, headers), recipe/cross.py
        target = (cross.python_env(python, toolchain.target, base / "sysconfig")
                  if toolchain.target.other_machine else {})
        env = process.clean_env({
            **toolchain.env(extension=True),
            "LDSHARED": f"{toolchain.cc} -shared",
            # pysam links -lz itself: our static, hidden-visibility zlib. $ORIGIN: the
            # extensions find libchtslib next to themselves in the wheel, as an RPATH (searched
            # before LD_LIBRARY_PATH, as in stock's wheel), not a RUNPATH (searched after it):
            # another pysam's folder on LD_LIBRARY_PATH cannot stand in for ours.
            "CPPFLAGS": " ".join([f"-I{htslib.deps}/include", *([target.pop("CPPFLAGS")] if target else [])]),
            "LDFLAGS": f"-L{htslib.deps}/lib -Wl,-rpath,$ORIGIN -Wl,--disable-new-dtags",
            "HTSLIB_MODE": "external",
            "HTSLIB_LIBRARY_DIR": str(htslib.libdir),
            "HTSLIB_INCLUDE_DIR": str(htslib.includedir),
            "HTSLIB_LINK_ARGS": shlex.join(htslib.chtslib_link_args()),
            **target,
        })
        process.run([python, "-c", BUILD_WHEEL, wheels], cwd=work, env=env, log=log,
                  what=f"pysam build for {tag}")
        built = sorted(wheels.glob("pysam-*.whl"))
        if len(built) != 1:
            raise RecipeError(f"pysam's build left {len(built)} wheels in {wheels}; expected one (log: {log})")
        with zipfile.ZipFile(built[0]) as zf:
            members = [m for m in zf.namelist() if m.startswith("pysam/")]
            zf.extractall(out, members=members)
        for member in out.rglob("*.so"):
            os.chmod(member, 0o755)
        shutil.copy2(work / "samtools" / "samtools_config_vars.h", out / "pysam" / "include" / "samtools")
    stamps.record(stamp, fp)
    return out
