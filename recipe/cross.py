"""What a cross build (arch = "aarch64" on an x86_64 machine) needs from the
machine it builds for, all from Debian's packages through multiarch
(requirements/apt-aarch64.txt; `make wheel ARCH=aarch64` installs them):

    python      the target CPython's configuration (_sysconfigdata, pyconfig.h:
                libpython3.X-dev:<arch>), so that setuptools builds pysam's
                extensions with the target's suffix and headers: the usual
                _PYTHON_SYSCONFIGDATA_NAME cross build, as crossenv does
    runner      qemu-user-static, to run a program built for the target (the
                feature gate asks the built libhts itself); libc6:<arch> (or
                musl:<arch>) gives it the target's dynamic loader
    strip       binutils-<arch>-linux-gnu: the machine's strip reads only its own ELF
    interpreter Debian's python3.X for the target, unpacked into build/cross/<arch>/
                by scripts/cross-python.sh, which also registers qemu with the
                kernel (binfmt_misc), so that it and the venvs made from it run
                like native programs: the wheel's check and `make test ARCH=`

Each is checked where it is needed; a missing part stops the build naming the
package to install.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from . import paths, process
from .errors import RecipeError
from .target import Target

DEBIAN_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}
INSTALL = "(`make wheel ARCH={arch}` installs it on Debian/Ubuntu: requirements/apt-{arch}.txt)"


def _missing(what: str, package: str, target: Target) -> RecipeError:
    if not target.other_machine:
        return RecipeError(f"a {target.libc} build needs {what}: install {package} "
                           "(`make test` installs it on Debian/Ubuntu: requirements/apt-musl.txt)")
    return RecipeError(f"a cross build for {target.arch} needs {what}: install {package} "
                       + INSTALL.format(arch=target.arch))


def python_env(python: str, target: Target, folder: Path) -> dict[str, str]:
    """Variables that make `python` (this machine's) configure extensions for the same
    CPython version on `target`'s machine: Debian's _sysconfigdata for that arch, copied alone
    into `folder` (the target's whole stdlib on sys.path would replace this one's),
    and its pyconfig.h where Debian's /usr/include/pythonX.Y/pyconfig.h looks for it
    (<arch>-linux-gnu/pythonX.Y/): CPPFLAGS, for the caller to add to its own."""
    version, arch = process.python_version(python), target.arch
    name = f"_sysconfigdata__{arch}-linux-gnu"
    source = Path(f"/usr/lib/python{version}/{name}.py")
    header = Path(f"/usr/include/{arch}-linux-gnu/python{version}/pyconfig.h")
    if not source.exists() or not header.exists():
        package = f"libpython{version}-dev:{DEBIAN_ARCH.get(arch, arch)}"
        raise _missing(f"CPython {version}'s configuration for {arch} ({source}, {header})", package, target)
    include = folder / "include"
    (include / header.parent.relative_to("/usr/include")).mkdir(parents=True, exist_ok=True)
    shutil.copy2(header, include / header.relative_to("/usr/include"))
    shutil.copy2(source, folder / source.name)
    inherited = os.environ.get("PYTHONPATH")  # the frontend's build environment, if isolated
    return {"_PYTHON_SYSCONFIGDATA_NAME": name,
            "PYTHONPATH": os.pathsep.join([str(folder), *([inherited] if inherited else [])]),
            "_PYTHON_HOST_PLATFORM": target.sysconfig_platform, "CPPFLAGS": f"-I{include}"}


# Where each C library's dynamic loader is, and the Debian package that has it.
LOADERS = {("aarch64", "glibc"): ("/lib/ld-linux-aarch64.so.1", "libc6"),
           ("x86_64", "glibc"): ("/lib64/ld-linux-x86-64.so.2", "libc6"),
           ("aarch64", "musl"): ("/lib/ld-musl-aarch64.so.1", "musl"),
           ("x86_64", "musl"): ("/lib/ld-musl-x86_64.so.1", "musl")}


def runner(target: Target) -> list[str]:
    """The command prefix that runs a Linux program built for `target` on this machine:
    qemu for another machine, nothing for this one (musl's loader is named in the
    program itself)."""
    arch = target.arch
    loader, package = LOADERS[(arch, target.libc)]
    if not Path(loader).exists():
        raise _missing(f"the {target} C library's loader ({loader}) to run the programs it builds "
                       "(the feature gate)", f"{package}:{DEBIAN_ARCH.get(arch, arch)}", target)
    if not target.other_machine:
        return []
    qemu = shutil.which(f"qemu-{arch}-static") or shutil.which(f"qemu-{arch}")
    if not qemu:
        raise _missing("qemu to run the programs it builds (the feature gate)", "qemu-user-static", target)
    return [qemu]


def strip(target: Target) -> str:
    """The strip that reads `target`'s ELF files."""
    if not target.other_machine:
        return "strip"
    tool = shutil.which(f"{target.arch}-linux-gnu-strip")
    if not tool:
        raise _missing(f"{target.arch}-linux-gnu-strip", f"binutils-{target.arch}-linux-gnu", target)
    return tool


def interpreter(target: Target, python: str) -> str:
    """The CPython, of `python`'s version, that runs what is built for `target`:
    `python` itself on this machine, else target_python()."""
    return target_python(target.arch, python) if target.other_machine else python


def target_python(arch: str, python: str) -> str:
    """Debian's CPython for `arch`, of `python`'s version, ready to run through binfmt_misc."""
    version = process.python_version(python)
    exe = paths.CROSS / arch / "usr" / "bin" / f"python{version}"
    setup = f"sh scripts/cross-python.sh {arch} {version} (`make wheel ARCH={arch}` runs it)"
    if not exe.exists():
        raise RecipeError(f"no CPython {version} for {arch} in {exe.parent}: {setup}")
    registered = Path(f"/proc/sys/fs/binfmt_misc/qemu-{arch}")
    if not registered.exists() or "enabled" not in registered.read_text():
        raise RecipeError(f"the kernel does not run {arch} programs through qemu (no {registered}): {setup}")
    return str(exe)
