"""The machine and C library a wheel is built for, and the one answer to "is
this a cross build?".

Every step asks its Target: the toolchain (zig's triple, configure's --host),
the PEP 517 backend (the platform tag scikit-build-core writes), the staging
step (which strip, which interpreter runs the feature gate), the wheel check
(auditwheel's tag, the CPython that verifies it). A Target for another machine
needs qemu to run what it builds; one for another C library on this machine
only needs that library's loader (recipe/cross.py has both).
"""

from __future__ import annotations

import dataclasses
import os
import platform

# The machines a wheel can be built for (another one than this: zig and qemu).
ARCHS = ("x86_64", "aarch64")
LIBCS = ("glibc", "musl")


def host_glibc() -> str | None:
    """This machine's glibc version, or None (musl, or not Linux)."""
    try:
        name, version = os.confstr("CS_GNU_LIBC_VERSION").split()
    except (ValueError, OSError, AttributeError):
        return None
    return version if name == "glibc" else None


def host_libc() -> str:
    return "glibc" if host_glibc() else "musl"


@dataclasses.dataclass(frozen=True)
class Target:
    arch: str   # x86_64, aarch64
    libc: str   # glibc (a manylinux wheel) or musl (musllinux)

    @classmethod
    def host(cls) -> Target:
        """This machine, as the interpreter running the recipe sees it."""
        return cls(platform.machine(), host_libc())

    @classmethod
    def of(cls, arch: str, libc: str) -> Target:
        """The options' arch and libc, "auto" meaning this machine's."""
        host = cls.host()
        return cls(host.arch if arch == "auto" else arch, host.libc if libc == "auto" else libc)

    @property
    def other_machine(self) -> bool:
        """Another machine than this one: its programs run only under qemu, its
        extensions need that machine's CPython configuration."""
        return self.arch != platform.machine()

    @property
    def cross(self) -> bool:
        """Another machine or C library than this interpreter's: what is built
        for it cannot be loaded into this process."""
        return self != Target.host()

    @property
    def triple(self) -> str:
        """The GNU triple: configure's --host, the prefix of binutils' tools."""
        return f"{self.arch}-linux-{'gnu' if self.libc == 'glibc' else 'musl'}"

    @property
    def sysconfig_platform(self) -> str:
        """sysconfig's platform (_PYTHON_HOST_PLATFORM): the wheel's platform tag
        before auditwheel gives it its manylinux or musllinux one."""
        return f"linux-{self.arch}"

    def __str__(self) -> str:
        return f"{self.arch} {self.libc}"
