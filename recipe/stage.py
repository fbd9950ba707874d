"""Assemble what goes into the wheel, for one interpreter, in a staging folder.

    stage/pysam/                 pysam as its own build produced it; our htslib is
                                 in pysam/libchtslib.cpython-*.so, which the other
                                 extensions find by $ORIGIN (stock's builtin layout)
    stage/pysam/include/htslib/  htslib's headers, where stock pysam has them
    stage/pysam/config.py        htslib's configuration, as stock pysam reports it
    stage/pysam_s3/_build_info.json

CMakeLists.txt calls this (through `python -m recipe stage`) and installs the
folder into the wheel; our own pysam_s3 package comes from src/.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path

from . import buildinfo, cross, deps, htslib as htslib_step, licenses, lock as lock_mod, options as options_mod
from . import buildlock, features, process, pysam_build, steps, toolchain as toolchain_mod
from .htslib import Htslib

# The keys stock pysam's setup.py copies from htslib's config.h into pysam/config.py.
CONFIG_KEYS = ("ENABLE_GCS", "ENABLE_PLUGINS", "ENABLE_S3", "HAVE_COMMONCRYPTO", "HAVE_HMAC",
               "HAVE_LIBBZ2", "HAVE_LIBCURL", "HAVE_LIBDEFLATE", "HAVE_LIBLZMA", "HAVE_MMAP")


def pysam_config(htslib: Htslib) -> str:
    """As stock's setup.py writes it for its builtin htslib: "builtin" makes
    pysam.get_libraries() list libchtslib, which holds htslib here too."""
    defined = dict(re.findall(r"^#define (\S+)\s+(\S+)", htslib.config_h.read_text(), re.M))
    lines = ['# Written by pysam-s3: our htslib is linked into libchtslib, as stock\'s builtin one',
             'HTSLIB = "builtin"']
    lines += [f"{key} = {defined.get(key, 0)}" for key in CONFIG_KEYS]
    return "\n".join(lines) + "\n"


def gate(pysam_dir: Path, options: options_mod.Options, toolchain: toolchain_mod.Toolchain, python: str) -> None:
    """The feature gate and the self-containment check, on what the wheel ships: libchtslib
    must report every required feature (asked by the interpreter it is built for, under
    qemu for another machine), and no extension may need a library beyond the C library
    (or another extension beside it: libchtslib) or export a bundled library's symbol."""
    chtslib = next(pysam_dir.glob("libchtslib.*.so"))
    interpreter = cross.interpreter(toolchain.target, python)
    features.gate(chtslib, options.required_features, interpreter=interpreter,
                  hint=f"libhts.so, from the same objects, passed the gate: check how {chtslib.name} was linked")
    extensions = sorted(pysam_dir.glob("*.so"))
    for extension in extensions:
        features.check_self_contained(extension, siblings=tuple(e.name for e in extensions))


@dataclasses.dataclass(frozen=True)
class Native:
    """What the interpreter-independent part built, and from what."""
    lock: lock_mod.Lock
    toolchain: toolchain_mod.Toolchain
    htslib: Htslib


def native(options: options_mod.Options, jobs: int | None = None) -> Native:
    """The interpreter-independent part: sources, dependencies, htslib."""
    steps.say(options_mod.HEADING + options.summary())
    lock = lock_mod.load()
    toolchain = toolchain_mod.select(options)
    jobs = jobs or os.cpu_count() or 2
    with buildlock.exclusive():
        prefix = deps.build_all(lock, toolchain, jobs)
        return Native(lock, toolchain, htslib_step.build(lock, options, toolchain, prefix, jobs))


def stage(dest: Path, python: str, options: options_mod.Options) -> Path:
    built_natively = native(options)
    lock, toolchain, htslib = built_natively.lock, built_natively.toolchain, built_natively.htslib
    with buildlock.exclusive():
        built = pysam_build.build(lock, htslib, toolchain, python)
    with steps.step(f"stage the wheel's contents in {dest}"):
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(built / "pysam", dest / "pysam", symlinks=False)
        include = dest / "pysam" / "include" / "htslib"
        shutil.copytree(htslib.includedir / "htslib", include / "htslib", dirs_exist_ok=True)
        shutil.copytree(htslib.tree_headers, include, dirs_exist_ok=True)
        (dest / "pysam" / "config.py").write_text(pysam_config(htslib))
        # No debug info is built; drop the static symbol tables too (the dynamic ones stay).
        libraries = sorted(str(p) for p in (dest / "pysam").glob("*.so*"))
        process.run([cross.strip(toolchain.target), "--strip-unneeded", *libraries], log=steps.new_log("stage-strip"),
                  what="stripping the wheel's libraries")
        gate(dest / "pysam", options, toolchain, python)
        # pyproject.toml's license-files put licenses/ into the wheel: it must be what the pins carry
        licenses.check(lock, buildinfo.sources_used(lock, options))
        info = buildinfo.collect(lock, options, htslib, toolchain, process.python_tag(python),
                                 buildinfo.wheel_version(lock, options))
        (dest / buildinfo.BUILD_INFO).parent.mkdir(parents=True, exist_ok=True)
        (dest / buildinfo.BUILD_INFO).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return dest
