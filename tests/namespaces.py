"""Run a command in a private mount namespace, with parts of the system changed
for it alone: /etc overlaid (to lay out CA certificates as another
distribution does), system libraries made unloadable (to prove the wheel
needs none of them). The real system is never modified: an overlay's writes
go to a scratch folder, and all mounts vanish with the namespace.

Needs root (or CAP_SYS_ADMIN) and util-linux's unshare.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

# The system's network libraries: what stock pysam borrows at run time.
SYSTEM_NETWORK_LIBRARIES = ("libcurl", "libssl", "libcrypto", "libgnutls", "libnss3")
LIBRARY_DIRS = ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64", "/lib")


def available() -> str | None:
    """None if mount namespaces can be used here, else why not."""
    if os.geteuid() != 0:
        return "needs root for a private mount namespace"
    if not shutil.which("unshare"):
        return "needs util-linux's unshare"
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True,
                           timeout=30)
    return None if probe.returncode == 0 else f"unshare --mount fails: {probe.stderr.decode().strip()}"


requires_namespaces = pytest.mark.skipif(available() is not None, reason=str(available()))


def library_files(stems: tuple[str, ...] = SYSTEM_NETWORK_LIBRARIES) -> list[str]:
    """The real files of the system's copies of these libraries (symlinks resolved)."""
    found = set()
    for d in LIBRARY_DIRS:
        for stem in stems:
            for path in glob.glob(f"{d}/{stem}.so*") + glob.glob(f"{d}/{stem}-*.so*"):
                found.add(os.path.realpath(path))
    return sorted(found)


def wrap(argv: list[str], *, scratch: Path, etc_files: dict[str, bytes] | None = None,
         etc_remove: tuple[str, ...] = (), hide_libraries: list[str] = ()) -> list[str]:
    """argv, to be run in a private mount namespace where:
    - `etc_remove` (paths under /etc) are gone and `etc_files` ({path under /etc: bytes}) exist;
    - every file in `hide_libraries` is replaced by an empty file (dlopen: "file too short")."""
    setup = []
    if etc_files or etc_remove:
        upper, work, staged = scratch / "etc-upper", scratch / "etc-work", scratch / "etc-files"
        for d in (upper, work, staged):
            d.mkdir(parents=True, exist_ok=True)
        setup.append(f"mount -t overlay overlay -o lowerdir=/etc,upperdir={upper},workdir={work} /etc")
        setup += [f"rm -rf {shlex.quote(p)}" for p in etc_remove]
        for i, (path, data) in enumerate((etc_files or {}).items()):
            assert path.startswith("/etc/"), path
            (staged / str(i)).write_bytes(data)
            setup.append(f"mkdir -p {shlex.quote(os.path.dirname(path))} && cp {staged / str(i)} {shlex.quote(path)}")
    setup += [f"mount --bind /dev/null {shlex.quote(lib)}" for lib in hide_libraries]
    script = " && ".join(setup + ['exec "$@"'])
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *argv]
