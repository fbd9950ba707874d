"""The feature gate: the built htslib must report every required feature.

htslib's configure can quietly leave things out (no libcurl headers found,
S3 disabled, ...). We ask the built library itself, through
hts_feature_string(), and stop the build naming whatever is missing: libhts.so
as soon as htslib is built (recipe/htslib.py), and libchtslib, which holds the
same objects and is what the wheel ships, once pysam is built (recipe/stage.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from . import cross
from .errors import RecipeError
from .toolchain import Toolchain

_QUERY = r"""
import ctypes, json, sys
lib = ctypes.CDLL(sys.argv[1])
for f in ("hts_version", "hts_feature_string"):
    getattr(lib, f).restype = ctypes.c_char_p
print(json.dumps({"version": lib.hts_version().decode(), "features": lib.hts_feature_string().decode()}))
"""


# For a libhts this interpreter cannot load (built for another machine or for musl):
# a program built with the same toolchain, run under qemu or musl's loader.
_QUERY_C = r"""
#include <stdio.h>
const char *hts_version(void);
const char *hts_feature_string(void);
int main(void) { printf("%s\n%s\n", hts_version(), hts_feature_string()); return 0; }
"""


def query(libhts: Path, toolchain: Toolchain | None = None, interpreter: str = sys.executable) -> dict[str, str]:
    """{'version': '1.24', 'features': 'build=configure libcurl=yes ...'} of a built libhts, or of
    a pysam extension holding htslib (libchtslib), asked by the CPython it is built for."""
    if toolchain is not None and toolchain.target.cross:
        return _query_by_program(libhts, toolchain)
    proc = subprocess.run([interpreter, "-c", _QUERY, str(libhts)], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RecipeError(f"cannot load {libhts} to read its features:\n{proc.stderr.strip()}")
    return json.loads(proc.stdout)


def _query_by_program(libhts: Path, toolchain: Toolchain) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        source, program = Path(tmp) / "query.c", Path(tmp) / "query"
        source.write_text(_QUERY_C)
        built = subprocess.run([toolchain.cc, "-o", program, source, str(libhts), f"-Wl,-rpath,{libhts.parent}"],
                               capture_output=True, text=True, timeout=300)
        if built.returncode != 0:
            raise RecipeError(f"cannot build a {toolchain.target} program against {libhts} "
                              f"to read its features:\n{built.stderr.strip()}")
        runner = cross.runner(toolchain.target)
        proc = subprocess.run([*runner, str(program)], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or len(proc.stdout.splitlines()) != 2:
        raise RecipeError(f"cannot run a program linking {libhts} ({toolchain.target}) "
                          f"{'under ' + runner[0] if runner else 'here'} to read its features "
                          f"(exit {proc.returncode}):\n{proc.stderr.strip()}")
    version, feature_string = proc.stdout.splitlines()
    return {"version": version, "features": feature_string}


def parse(feature_string: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in feature_string.split() if "=" in item)


def missing(feature_string: str, required: tuple[str, ...]) -> list[str]:
    have = parse(feature_string)
    return [name for name in required if have.get(name) != "yes"]


def gate(libhts: Path, required: tuple[str, ...], toolchain: Toolchain | None = None,
         hint: str = "", interpreter: str = sys.executable) -> dict[str, str]:
    info = query(libhts, toolchain, interpreter)
    lacking = missing(info["features"], required)
    if lacking:
        have = parse(info["features"])
        detail = ", ".join(f"{name}={have.get(name, 'absent')}" for name in lacking)
        raise RecipeError(
            f"feature gate: {libhts} (htslib {info['version']}) lacks {detail}.\n"
            f"It reports: {info['features']}\n"
            f"Required ([tool.pysam-s3] required-features): {' '.join(f'{n}=yes' for n in required)}"
            + (f"\n{hint}" if hint else "")
        )
    return info


# What libhts (and every extension of the wheel) may need from the system: the C library only, glibc's (manylinux)
# or musl's (musllinux: one libc.musl-<arch>.so.1 holds libm, libpthread and
# libdl too). Anything else would have to be grafted by auditwheel or found on
# the user's machine.
ALLOWED_NEEDED = ("libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1")
MUSL_LIBC = re.compile(r"libc\.musl-[a-z0-9_]+\.so\.1")
# Symbol prefixes of the bundled libraries, which must not be exported.
BUNDLED_PREFIXES = ("curl_", "Curl_", "SSL_", "EVP_", "OPENSSL_", "ERR_", "BIO_", "X509_", "CRYPTO_",
                    "lzma_", "BZ2_", "libdeflate_", "deflate", "inflate", "crc32", "adler32", "gz",
                    "compress", "uncompress", "zlib")


def beyond_libc(needed: list[str]) -> list[str]:
    """The libraries in a NEEDED list that are not the C library (glibc's or musl's)."""
    return [n for n in needed if n not in ALLOWED_NEEDED and not MUSL_LIBC.fullmatch(n)]


def needed(lib: Path) -> list[str]:
    """The NEEDED entries of an ELF file's dynamic section."""
    dynamic = subprocess.run(["readelf", "-dW", str(lib)], capture_output=True, text=True, check=True,
                             timeout=60).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line]


def check_self_contained(lib: Path, siblings: tuple[str, ...] = ()) -> None:
    """`lib` (libhts, or an extension of the wheel) needs only the C library and the
    `siblings` (the other extensions beside it) and exports none of the bundled libraries' symbols."""
    foreign = [name for name in beyond_libc(needed(lib)) if name not in siblings]
    symbols = subprocess.run(["nm", "-D", "--defined-only", str(lib)], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    leaked = sorted({f[-1] for f in (ln.split() for ln in symbols.splitlines())
                     if f and f[-1].startswith(BUNDLED_PREFIXES)})
    if foreign or leaked:
        raise RecipeError(
            f"{lib} is not self-contained:"
            + (f"\n  needs libraries beyond the C library: {', '.join(foreign)}" if foreign else "")
            + (f"\n  exports bundled symbols: {', '.join(leaked[:10])}{' ...' if len(leaked) > 10 else ''}"
               if leaked else "")
        )
