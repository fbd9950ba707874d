"""Assemble what goes into the wheel, for one interpreter, in a staging folder.

    stage/pysam/                 pysam as its own build produced it
    stage/pysam/libhts-HASH.so.3 our htslib, under a name no other htslib has;
                                 the extensions find it by $ORIGIN
    stage/pysam/include/htslib/  htslib's headers, where stock pysam has them
    stage/pysam/config.py        htslib's configuration, as stock pysam reports it
    stage/pysam_s3/_build_info.json

CMakeLists.txt calls this (through `python -m recipe stage`) and installs the
folder into the wheel; our own pysam_s3 package comes from src/.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

from . import buildinfo, cross, deps, htslib as htslib_step, licenses, lock as lock_mod, options as options_mod
from . import buildlock, process, pysam_build, steps, toolchain as toolchain_mod
from .htslib import Htslib

# The keys stock pysam's setup.py copies from htslib's config.h into pysam/config.py.
CONFIG_KEYS = ("ENABLE_GCS", "ENABLE_PLUGINS", "ENABLE_S3", "HAVE_COMMONCRYPTO", "HAVE_HMAC",
               "HAVE_LIBBZ2", "HAVE_LIBCURL", "HAVE_LIBDEFLATE", "HAVE_LIBLZMA", "HAVE_MMAP")


def pysam_config(htslib: Htslib) -> str:
    defined = dict(re.findall(r"^#define (\S+)\s+(\S+)", htslib.config_h.read_text(), re.M))
    lines = ['# Written by pysam-s3: libhts is our own build, shipped as pysam/libhts-HASH.so.3',
             'HTSLIB = "external"']
    lines += [f"{key} = {defined.get(key, 0)}" for key in CONFIG_KEYS]
    return "\n".join(lines) + "\n"


def unique_soname(library: Path) -> str:
    """libhts-<8 hex digits of its sha256>.so.3, as auditwheel names what it grafts."""
    return f"libhts-{hashlib.sha256(library.read_bytes()).hexdigest()[:8]}.so.3"


def rename_libhts(pysam_dir: Path, soname: str) -> None:
    """Give libhts a name no other htslib has, and point the extensions at it.
    With the plain libhts.so.3, a libhts.so.3 on LD_LIBRARY_PATH (module load
    htslib, conda, Debian's libhts3) is found before RUNPATH=$ORIGIN and replaces
    ours; a name nobody else uses can only be found through $ORIGIN."""
    patchelf = toolchain_mod.patchelf()
    log = steps.new_log("stage-soname")
    (pysam_dir / "libhts.so.3").rename(pysam_dir / soname)
    process.run([patchelf, "--set-soname", soname, pysam_dir / soname], log=log, what="patchelf --set-soname")
    for extension in sorted(pysam_dir.glob("*.cpython-*.so")):
        process.run([patchelf, "--replace-needed", "libhts.so.3", soname, extension], log=log,
                  what=f"patchelf --replace-needed on {extension.name}")


def native(jobs: int | None = None):
    """The interpreter-independent part: sources, dependencies, htslib.
    Returns (lock, options, toolchain, htslib)."""
    lock, options = lock_mod.load(), options_mod.load()
    toolchain = toolchain_mod.select(options)
    jobs = jobs or os.cpu_count() or 2
    with buildlock.exclusive():
        prefix = deps.build_all(lock, toolchain, jobs)
        return lock, options, toolchain, htslib_step.build(lock, options, toolchain, prefix, jobs)


def stage(dest: Path, python: str) -> Path:
    lock, options, toolchain, htslib = native()
    with buildlock.exclusive():
        built = pysam_build.build(lock, htslib, toolchain, python)
    with steps.step(f"stage the wheel's contents in {dest}"):
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(built / "pysam", dest / "pysam", symlinks=False)
        shutil.copy2(htslib.shared_library, dest / "pysam" / "libhts.so.3")
        include = dest / "pysam" / "include" / "htslib"
        shutil.copytree(htslib.includedir / "htslib", include / "htslib", dirs_exist_ok=True)
        (dest / "pysam" / "config.py").write_text(pysam_config(htslib))
        # No debug info is built; drop the static symbol tables too (the dynamic ones stay).
        libraries = sorted(str(p) for p in (dest / "pysam").glob("*.so*"))
        strip = cross.strip(toolchain.arch) if cross.is_cross(toolchain.arch) else "strip"
        process.run([strip, "--strip-unneeded", *libraries], log=steps.new_log("stage-strip"),
                  what="stripping the wheel's libraries")
        rename_libhts(dest / "pysam", unique_soname(htslib.shared_library))
        # pyproject.toml's license-files put licenses/ into the wheel: it must be what the pins carry
        licenses.check(lock, buildinfo.sources_used(lock, options))
        info = buildinfo.collect(lock, options, htslib, toolchain, process.python_tag(python),
                                 buildinfo.wheel_version(lock, options))
        (dest / "pysam_s3").mkdir(parents=True, exist_ok=True)
        (dest / "pysam_s3" / "_build_info.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return dest
