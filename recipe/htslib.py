"""Build htslib: configure and make in build/native/<toolchain>/, install into a staging prefix.

What the wheel ships is libchtslib (recipe/pysam_build.py): pysam's module
with htslib linked in whole, as stock pysam's builtin layout has it. From
here it takes

    lib/libhts.a            htslib's position-independent objects (the very
                            objects of libhts.so), linked whole into libchtslib
    lib/libchtslib.map      a version script for that link: everything
                            exported but the bundled libraries' symbols
                            (curl's, OpenSSL's, liblzma's, ... API and assembly)
    include/htslib/         the public headers
    tree/                   htslib's own top-level headers and config.h, which
                            stock pysam ships in pysam/include/htslib too

libhts.so is built as well, linked against the same static dependencies
(recipe/deps/) with an export map generated from htslib's objects: the
feature gate and the self-containment check run on it before anything links
against htslib (also for musl, where no pysam is built here); it is not
shipped.

pysam's copy of htslib has no htsfile.c, bgzip.c, tabix.c, ref_cache/ or
test/, so `make all`/`make install` cannot work on it; we build only the
shared library and install the pieces above and the pkg-config file.
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

    @property
    def static_library(self) -> Path:
        return self.libdir / "libhts.a"

    @property
    def chtslib_map(self) -> Path:
        return self.libdir / "libchtslib.map"

    @property
    def tree_headers(self) -> Path:
        return self.prefix / "tree"

    def chtslib_link_args(self) -> list[str]:
        """libchtslib's link arguments for this htslib (HTSLIB_LINK_ARGS of pysam's setup.py,
        patch pysam/0005): all of libhts.a, its static dependencies, their symbols hidden."""
        return ["-Wl,--whole-archive", str(self.static_library), "-Wl,--no-whole-archive", f"-L{self.deps}/lib",
                *STATIC_LIBS.split(), f"-Wl,--version-script,{self.chtslib_map}"]


def native_dir(toolchain: Toolchain) -> Path:
    return paths.NATIVE / toolchain.name


# The static archives, in link order (each after what uses it).
STATIC_LIBS = "-ldeflate -llzma -lbz2 -lcurl -lssl -lcrypto -lz -lm -ldl -lpthread"


def against(deps: Path) -> dict[str, str]:
    """The variables that make htslib's configure and make use the static
    dependencies in `deps` (tests/s3/test_plugins.py builds htslib with them too)."""
    return {"CPPFLAGS": f"-I{deps}/include", "LDFLAGS": f"-L{deps}/lib",
            "PKG_CONFIG_LIBDIR": f"{deps}/lib/pkgconfig", "PKG_CONFIG_PATH": "",
            # only static archives live in deps/lib, so configure's checks link those
            "LIBS": "-lcurl -lssl -lcrypto -lz -ldl -lpthread"}


def objects(work: Path) -> list[str]:
    """htslib's objects as libhts.so links them (LIBHTS_OBJS, position-independent), relative to `work`."""
    config = process.output(["make", "-s", "print-config"], cwd=work)
    listed = next((line.split("=", 1)[1].split() for line in config.splitlines()
                   if line.startswith("LIBHTS_OBJS =")), None)
    if not listed:
        raise RecipeError(f"htslib's `make print-config` in {work} names no LIBHTS_OBJS")
    return [name.removesuffix(".o") + ".pico" for name in listed]


def exported_symbols(files: list[str], cwd: Path, dynamic: bool = False) -> set[str]:
    """The global symbols of default visibility these ELF files define (their dynamic
    symbol table: what a shared library exports)."""
    table = process.output(["readelf", "--dyn-syms" if dynamic else "-s", "-W", *files], cwd=cwd)
    return {f[7].split("@")[0] for f in (line.split() for line in table.splitlines())
            if len(f) >= 8 and f[4] in ("GLOBAL", "WEAK") and f[5] == "DEFAULT" and f[6] != "UND"}


def version_script(path: Path, global_: list[str], local: list[str]) -> Path:
    path.write_text("{\n  global:\n" + "".join(f"    {s};\n" for s in global_)
                    + "  local:\n" + "".join(f"    {s};\n" for s in local) + "};\n")
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
    # what is known before building; version and features come from the gate
    built = Htslib(source=name, version="", features="", prefix=prefix, deps=deps, config_h=work / "config.h",
                   configure_args=configure_args)
    if stamps.is_current(stamp, fp, [record, built.shared_library, built.static_library, built.chtslib_map]):
        data = json.loads(record.read_text())
        return Htslib(**{**data, "prefix": Path(data["prefix"]), "deps": Path(data["deps"]),
                         "config_h": Path(data["config_h"]), "configure_args": tuple(data["configure_args"])})

    log = steps.new_log(f"htslib-{out.name}")
    with steps.step(f"build htslib {src.version} ({name}) with {toolchain.name} (log: {log})"):
        steps.fresh_dirs(prefix)
        steps.copy_tree(tree, work)
        env = process.clean_env({**toolchain.env(), **against(deps)})
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
        # What that link exports beyond htslib's own symbols came from the bundled libraries
        # (their API, OpenSSL's assembly): libchtslib, which links the same objects and
        # archives, exports everything but those.
        htslib_objects = objects(work)
        own = exported_symbols(htslib_objects, work)
        bundled = exported_symbols(["libhts.so"], work, dynamic=True) - own
        (work / "libhts.so").unlink()
        exports = version_script(work / "pysam-s3-exports.map", sorted(own), ["*"])
        with open(log, "a") as f:
            f.write(f"\n# export map: {len(own)} symbols from {len(htslib_objects)} objects; "
                    f"{len(bundled)} symbols of the bundled libraries hidden in libchtslib\n")
        process.run([*make, "lib-shared", f"VERSION_SCRIPT_LDFLAGS=-Wl,--version-script,{exports}"], cwd=work,
                  env=env, log=log, what="htslib link with the export map")
        process.run([*make, "install-so", "install-pkgconfig"], cwd=work, env=env, log=log,
                  what="htslib make install-so")
        built.static_library.unlink(missing_ok=True)
        process.run([toolchain.ar, "rcsD", built.static_library, *htslib_objects], cwd=work, log=log,
                  what="htslib's objects into libhts.a")
        version_script(built.chtslib_map, ["*"], sorted(bundled))
        if toolchain.target.libc == "musl" and toolchain.name.startswith("zig-"):
            # zig links musl by its stub's name, libc.so; musl systems (and the musllinux policy)
            # name the C library libc.musl-<arch>.so.1, as maturin's zig builds do too
            process.run([toolchain_mod.patchelf(), "--replace-needed", "libc.so", f"libc.musl-{toolchain.target.arch}.so.1",
                       built.shared_library], log=log, what="patchelf: musl's soname")
        headers = built.includedir / "htslib"
        headers.mkdir(parents=True, exist_ok=True)
        for h in sorted((work / "htslib").glob("*.h")):
            shutil.copy2(h, headers / h.name)
        # as stock pysam ships them: the source tree's own headers (not those make generates) and config.h
        built.tree_headers.mkdir()
        for h in [*sorted(tree.glob("*.h")), built.config_h]:
            shutil.copy2(h, built.tree_headers / h.name)
        info = features.gate(
            built.shared_library, options.required_features, toolchain,
            hint=f"Check htslib's configure output in {log} for why it was left out.")
        features.check_self_contained(built.shared_library)
    result = dataclasses.replace(built, version=info["version"], features=info["features"])
    record.write_text(json.dumps(dataclasses.asdict(result), default=str, indent=2))
    stamps.record(stamp, fp)
    steps.say(f"    htslib {result.version}: {result.features}")
    return result
