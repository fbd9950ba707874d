"""The build info shipped in the wheel as pysam_s3/_build_info.json.

Everything a user (or `python -m pysam_s3`) needs to know what this wheel is
made of: versions, htslib's features, every pin with its sha256, the patches
applied, the tree hash of each unpacked-and-patched source, where each
bundled license text sits in the wheel, the compiler and flags. No
timestamps and no absolute paths (the wheel is reproducible), and nothing
from the environment (no secrets).
"""

from __future__ import annotations

import re

from . import deps, fetch, licenses, patches, paths, steps
from .digests import sha256_of
from .htslib import Htslib
from .lock import Lock
from .options import Options
from .toolchain import EXTENSION_CFLAGS, Toolchain

# Where the wheel holds it (src/pysam_s3/buildinfo.py reads it there at run time)
BUILD_INFO = "pysam_s3/_build_info.json"


def _relative(text: str) -> str:
    return text.replace(str(paths.ROOT) + "/", "").replace(str(paths.ROOT), ".")


def sources_used(lock: Lock, options: Options) -> list[str]:
    """Every lock entry that goes into the wheel: pysam, the selected htslib
    (with whatever it is made from) and the bundled libraries."""
    names: list[str] = []
    for root in ("pysam", options.htslib_source, *deps.ORDER):
        names += [s.name for s in lock.closure(root) if s.name not in names]
    return names


def tree_state(name: str) -> dict:
    """The sha256 of source `name`'s tree as it is now; a tree changed since the
    recipe unpacked and patched it is built (developers edit trees while writing
    patches) but said so here and in the build info."""
    tree = paths.source_tree(name)
    now = fetch.tree_sha256(tree)
    stamp = fetch.pristine_stamp(name)
    if not stamp.exists() or stamp.read_text().strip() != now:
        steps.say(f"warning: {tree.relative_to(paths.ROOT)} is not as the recipe unpacked and patched it "
                  f"(edited by hand?); the build info records its tree hash {now[:12]}... as it is")
        return {"tree_sha256": now, "tree_edited": True}
    return {"tree_sha256": now}


def lock_packages(lock_file=None) -> list[str]:
    """The package names a pip requirements lock (requirements/build.lock) pins."""
    text = (lock_file or paths.BUILD_LOCK).read_text()
    return sorted({m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", text, re.M)})


# The PEP 517 frontend `make wheel` and cibuildwheel run (pip wheel . runs pip's own): not
# part of what the backend builds with, so not part of the recorded toolchain.
FRONTEND = ("build", "pyproject-hooks")


def build_tools() -> dict:
    """The toolchain this build ran with: the lock's hash and the version of each of its
    packages installed here (the build venv, or an isolated build's env from the same pins),
    the frontend left out."""
    from importlib import metadata

    installed = {}
    for name in (n for n in lock_packages() if n not in FRONTEND):
        try:
            installed[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # a package of another Python version or platform
            pass
    digest = sha256_of(paths.BUILD_LOCK)
    return {"lock": f"{paths.BUILD_LOCK.relative_to(paths.ROOT).as_posix()} sha256:{digest}", "installed": installed}


def collect(lock: Lock, options: Options, htslib: Htslib, toolchain: Toolchain,
            python_tag: str, version: str) -> dict:
    pins = []
    for name in sources_used(lock, options):
        s = lock[name]
        pin = {"name": s.name, "version": s.version, "license": s.license, "homepage": s.homepage,
               "license_files": licenses.in_wheel(s), **tree_state(name)}
        if s.is_archive:
            pin.update(file=s.file, sha256=s.sha256, routes=[r.describe() for r in s.get],
                       urls=[r.address() for r in s.get])
        else:
            pin.update(inside=s.from_, subdir=s.subdir)
        pins.append(pin)
    applied = []
    for name in sources_used(lock, options):
        for p in patches.series(lock[name].series):
            applied.append({"source": name, "file": p.path.name, "purpose": p.purpose,
                            "sha256": sha256_of(p.path)})
    return {
        "version": version,
        "pysam_version": lock["pysam"].version,
        "htslib_version": htslib.version,
        "htslib_source": htslib.source,
        "htslib_features": htslib.features,
        "htslib_configure_options": [_relative(a) for a in htslib.configure_args if not a.startswith("--prefix=")],
        "build_revision": options.build_revision,
        "python_tag": python_tag,
        "pins": pins,
        "patches": applied,
        "compiler": {**toolchain.describe(), "extension_cflags": " ".join(EXTENSION_CFLAGS)},
        "build_tools": build_tools(),
    }


def local_label(htslib_version: str, build_revision: int) -> str:
    """'htslib1.24.s3r1': PEP 440 local label naming the htslib pin and our build revision."""
    hv = re.sub(r"[^a-z0-9]+", ".", htslib_version.lower()).strip(".")
    return f"htslib{hv}.s3r{build_revision}"


def wheel_version(lock: Lock, options: Options) -> str:
    return f"{lock['pysam'].version}+{local_label(lock[options.htslib_source].version, options.build_revision)}"
