"""htslib's dependencies, built from their pinned sources as static, PIC,
hidden-visibility archives into one prefix (build/native/<toolchain>/deps),
in dependency order. One module per library, each a short build script.

    zlib        compression (htslib, curl, pysam's own -lz)
    bzip2       CRAM codecs
    xz          liblzma: CRAM codecs
    libdeflate  fast BGZF (de)compression
    openssl     TLS for curl, HMAC/SHA-256 for S3 signing
    curl        HTTP/HTTPS only
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from pathlib import Path

from .. import epoch, fetch, paths, process, stamps, steps
from ..lock import Lock
from ..toolchain import Toolchain

ORDER = ("zlib", "bzip2", "xz", "libdeflate", "openssl", "curl")


@dataclasses.dataclass(frozen=True)
class DepBuild:
    """What a library's build script gets: where things are and how to run commands."""

    name: str
    version: str
    work: Path          # a fresh copy of the patched source tree
    prefix: Path        # where every dependency installs
    toolchain: Toolchain
    jobs: int
    log: Path

    def env(self) -> dict[str, str]:
        return process.clean_env({
            **self.toolchain.env(dependency=True),
            # pkg-config must only ever see our prefix, never the machine's libraries
            "PKG_CONFIG_LIBDIR": str(self.prefix / "lib" / "pkgconfig"), "PKG_CONFIG_PATH": "",
            # a constant, so what a library embeds (OpenSSL: "built on") depends on its inputs only
            "SOURCE_DATE_EPOCH": epoch.DEPENDENCY_EPOCH,
        })

    def run(self, *cmd: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
        process.run(list(cmd), cwd=cwd or self.work, env={**self.env(), **(env or {})}, log=self.log,
                  what=f"{self.name} {self.version}: {Path(str(cmd[0])).name}")


def prefix_of(toolchain: Toolchain) -> Path:
    return paths.NATIVE / toolchain.name / "deps"


def build_all(lock: Lock, toolchain: Toolchain, jobs: int) -> Path:
    """Build every dependency not already built with the same inputs; returns the prefix."""
    prefix = prefix_of(toolchain)
    chain = stamps.fingerprint("deps", toolchain.describe(), Path(__file__))  # this file sets their env
    for name in ORDER:
        module = importlib.import_module(f".{name}", __name__)
        src = lock[name]
        tree = fetch.prepare(lock, name)
        # a library rebuilds when it, its build script, or anything built before it changes
        chain = stamps.fingerprint(chain, src, stamps.fingerprint(tree), inspect.getsource(module))
        stamp = prefix / f".{name}.stamp"
        if stamps.is_current(stamp, chain):
            continue
        log = steps.new_log(f"{name}-{toolchain.name}")
        work = paths.NATIVE / toolchain.name / "work" / name
        with steps.step(f"build {name} {src.version} with {toolchain.name} (log: {log})"):
            steps.copy_tree(tree, work)
            (prefix / "lib").mkdir(parents=True, exist_ok=True)
            module.build(DepBuild(name, src.version, work, prefix, toolchain, jobs, log))
            for la in prefix.rglob("*.la"):  # libtool archives carry absolute dependency paths
                la.unlink()
        stamps.record(stamp, chain)
    return prefix
