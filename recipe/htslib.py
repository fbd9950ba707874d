"""Build htslib: configure and make in build/native/<toolchain>/, install into a staging prefix.

pysam's copy of htslib has no htsfile.c, bgzip.c, tabix.c, ref_cache/ or
test/, so `make all`/`make install` cannot work on it; we build only the
libraries (`lib-static lib-shared`) and install the pieces pysam needs: the
shared library, the headers and the pkg-config file. The feature gate runs
on the installed libhts before anything links against it.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

from . import features, fetch, paths, steps
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


def build(lock: Lock, options: Options, toolchain: Toolchain, jobs: int, out: Path | None = None) -> Htslib:
    """Build into `out` (default build/native/<toolchain>/)."""
    name = options.htslib_source
    src = lock[name]
    tree = fetch.prepare(lock, name)
    out = out or native_dir(toolchain)
    work, prefix, record, stamp = out / "htslib", out / "prefix", out / "htslib.json", out / "htslib.stamp"
    configure_args = (f"--prefix={prefix}", *options.htslib_configure_options)
    fp = steps.fingerprint("htslib", src, steps.fingerprint(tree), configure_args,
                           toolchain.describe(), options.required_features)
    if steps.is_current(stamp, fp, [record, prefix / "lib" / "libhts.so.3"]):
        data = json.loads(record.read_text())
        return Htslib(**{**data, "prefix": Path(data["prefix"]), "config_h": Path(data["config_h"]),
                         "configure_args": tuple(data["configure_args"])})

    log = steps.new_log(f"htslib-{out.name}")
    with steps.step(f"build htslib {src.version} ({name}) with {toolchain.cc_string} (log: {log})"):
        steps.fresh_dirs(prefix)
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(tree, work, symlinks=True)
        env = steps.clean_env(toolchain.env())
        if src.autoreconf:
            steps.run(["autoreconf", "-i"], cwd=work, env=env, log=log, what="htslib autoreconf")
        steps.run(["./configure", *configure_args], cwd=work, env=env, log=log, what="htslib ./configure")
        steps.run(["make", f"-j{jobs}", "lib-static", "lib-shared"], cwd=work, env=env, log=log,
                  what="htslib make")
        steps.run(["make", "install-so", "install-pkgconfig"], cwd=work, env=env, log=log,
                  what="htslib make install-so")
        headers = prefix / "include" / "htslib"
        headers.mkdir(parents=True, exist_ok=True)
        for h in sorted((work / "htslib").glob("*.h")):
            shutil.copy2(h, headers / h.name)
        info = features.gate(
            prefix / "lib" / "libhts.so.3", options.required_features,
            hint=f"Check htslib's configure output in {log} for why it was left out.")
    result = Htslib(source=name, version=info["version"], features=info["features"], prefix=prefix,
                    config_h=work / "config.h", configure_args=configure_args)
    record.write_text(json.dumps(dataclasses.asdict(result), default=str, indent=2))
    steps.record(stamp, fp)
    steps.say(f"    htslib {result.version}: {result.features}")
    return result
