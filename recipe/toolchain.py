"""The C toolchain every native part is built with, and its flags.

One toolchain per build: the same compiler and flags for htslib and for
pysam's extension modules, recorded in the wheel's build info.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess

from .errors import RecipeError

# -ffile-prefix-map keeps build paths out of the binaries (reproducible wheels).
COMMON_CFLAGS = ("-O2", "-g0", "-fPIC")


@dataclasses.dataclass(frozen=True)
class Toolchain:
    name: str             # folder name under build/native/
    cc: tuple[str, ...]   # the C compiler command (may be several words)
    cflags: tuple[str, ...]
    ldflags: tuple[str, ...] = ()

    @property
    def cc_string(self) -> str:
        return " ".join(self.cc)

    def version(self) -> str:
        try:
            out = subprocess.run([*self.cc, "--version"], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            raise RecipeError(f"C compiler {self.cc_string!r} does not run: {e}") from None
        return out.splitlines()[0].strip()

    def env(self) -> dict[str, str]:
        """Variables for configure scripts and setup.py."""
        return {"CC": self.cc_string, "CFLAGS": " ".join(self.cflags), "LDFLAGS": " ".join(self.ldflags)}

    def describe(self) -> dict[str, str]:
        return {"name": self.name, "cc": self.cc_string, "version": self.version(),
                "cflags": " ".join(self.cflags), "ldflags": " ".join(self.ldflags)}


def host_gcc(prefix_map: str) -> Toolchain:
    if not shutil.which("gcc"):
        raise RecipeError("gcc not found: install build-essential (make wheel does this on Debian/Ubuntu)")
    return Toolchain(
        name="host-gcc",
        cc=("gcc",),
        cflags=(*COMMON_CFLAGS, f"-ffile-prefix-map={prefix_map}=."),
    )
