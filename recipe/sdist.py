"""The project's sdist: our own files only, enough to build the wheel offline
given the pinned source archives (`-C cmake.define.PYSAM_S3_DOWNLOADS=DIR`).

`python -m recipe sdist` (make sdist):
  1. builds it with scikit-build-core in the pinned build environment, with
     SOURCE_DATE_EPOCH set, so the same commit gives the same bytes;
  2. checks its contents: the recipe's inputs must be there, and no
     third-party source, build output or tool environment may be;
  3. proves it builds offline: the pinned archives are fetched and verified
     first, then a wheel is built from the unpacked sdist with every network
     route closed (pip --no-index, proxies pointing at a closed port), and its
     build info must report the pinned htslib with the required features.
"""

from __future__ import annotations

import shutil
import sys
import tarfile
from pathlib import Path, PurePosixPath

from . import buildinfo, features, fetch, lock as lock_mod, options as options_mod, paths, process, sbom, steps, venvs
from .errors import RecipeError

CLOSED_PROXY = "http://127.0.0.1:9"  # nothing listens there: any download fails at once

# What a build from the sdist needs (relative to its top folder).
REQUIRED = ("pyproject.toml", "CMakeLists.txt", "sources.lock.toml", "README.md", "recipe/__main__.py",
            "src/pysam_s3/__init__.py", "patches/htslib/series", "requirements/build.txt", "requirements/build.lock",
            "LICENSE", "licenses/openssl/LICENSE.txt", "licenses/curl/COPYING")


def forbidden_members(names: list[str]) -> list[str]:
    bad = []
    for name in names:
        parts = PurePosixPath(name).parts[1:]  # drop the top folder
        rel = PurePosixPath(*parts) if parts else PurePosixPath(".")
        if (any(p in (".venv", "node_modules", ".git", "dist") for p in parts)
                or (len(parts) >= 3 and parts[0] == "vendor" and parts[2] == "src")
                or (len(parts) >= 2 and parts[0] == "build" and rel != PurePosixPath("build/README.md"))):
            bad.append(name)
    return bad


def check(sdist: Path) -> None:
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
    top = PurePosixPath(names[0]).parts[0]
    missing = [r for r in REQUIRED if f"{top}/{r}" not in names]
    bad = forbidden_members(names)
    if missing or bad:
        raise RecipeError(f"{sdist.name} is not a proper sdist:"
                          + (f"\n  missing: {', '.join(missing)}" if missing else "")
                          + (f"\n  must not hold: {', '.join(bad[:20])}" if bad else ""))


def untracked_files() -> list[str]:
    """Files in the checkout git neither tracks nor ignores: a build of the sdist would pack them."""
    if not (paths.ROOT / ".git").exists():
        return []
    out = process.output(["git", "-C", str(paths.ROOT), "ls-files", "--others", "--exclude-standard"], timeout=60)
    return [line for line in out.splitlines() if line]


def build(python: str = sys.executable, dest: Path = paths.DIST, work: Path | None = None) -> Path:
    """The sdist, built in `work` (default build/sdist), checked, copied to `dest`."""
    stray = untracked_files()
    if stray:
        raise RecipeError("the sdist would pack files git does not track: " + ", ".join(stray[:20])
                          + ("" if len(stray) <= 20 else f" and {len(stray) - 20} more")
                          + "\ncommit them, add them to .gitignore, or remove them")
    build_python = venvs.build_env(python)
    out = work or paths.BUILD / "sdist"
    shutil.rmtree(out, ignore_errors=True)
    log = steps.new_log("sdist")
    with steps.step(f"build the sdist (log: {log})"):
        process.run([build_python, "-m", "build", "--sdist", "--no-isolation", "--outdir", out, paths.ROOT],
                  cwd=paths.ROOT, log=log, what="the sdist build")
        [sdist] = sorted(out.glob("*.tar.gz")) or [None]
        if sdist is None:
            raise RecipeError(f"the sdist build left no .tar.gz in {out} (log: {log})")
        check(sdist)
        dest.mkdir(parents=True, exist_ok=True)
        for old in dest.glob("pysam-*.tar.gz"):
            old.unlink()
        final = dest / sdist.name
        shutil.copy2(sdist, final)
        steps.say(f"    {final} ({final.stat().st_size / 1e3:.0f} kB)")
    return final


def build_offline(sdist: Path, python: str = sys.executable, work: Path | None = None,
                  config_settings: dict[str, str] | None = None) -> Path:
    """Build a wheel from `sdist` in `work` (default build/sdist-offline) with no network,
    given only build/downloads/ and any PEP 517 `config_settings` (e.g.
    {"pysam-s3.build-revision": "9"}); returns it."""
    settings = dict(config_settings or {})
    lock = lock_mod.load()
    options = options_mod.load(overrides=options_mod.parse_config_settings(settings))  # as the build will see them
    for name in buildinfo.sources_used(lock, options):  # online, before the network is closed
        if lock[name].is_archive:
            fetch.download(lock[name])
    build_python = venvs.build_env(python)
    work = work or paths.BUILD / "sdist-offline"
    steps.fresh_dirs(work)
    log = steps.new_log("sdist-offline")
    with steps.step(f"build a wheel from {sdist.name} offline (log: {log}; the build's own logs: "
                    f"{work}/src/build/logs/)"):
        with tarfile.open(sdist) as tar:
            kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(work, **kwargs)
        [tree] = [d for d in work.iterdir() if d.is_dir()]
        tree = tree.rename(work / "src")
        offline = {"PIP_NO_INDEX": "1", "no_proxy": "", "NO_PROXY": "",
                   **{k: CLOSED_PROXY for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}}
        process.run([build_python, "-m", "build", "--wheel", "--no-isolation", "--outdir", work / "wheel",
                   f"-Ccmake.define.PYSAM_S3_DOWNLOADS={paths.DOWNLOADS}",
                   *(f"-C{k}={v}" for k, v in sorted(settings.items())), tree],
                  cwd=work, env=process.clean_env(offline), log=log, what="the offline build from the sdist")
        [wheel] = sorted((work / "wheel").glob("*.whl")) or [None]
        if wheel is None:
            raise RecipeError(f"the offline build left no wheel in {work / 'wheel'} (log: {log})")
        info = sbom.read_build_info(wheel)
        lacking = features.missing(info["htslib_features"], options.required_features)
        expected = buildinfo.wheel_version(lock, options)
        if info["version"] != expected or lacking:
            raise RecipeError(f"{wheel.name} built from the sdist reports version {info['version']} "
                              f"(expected {expected}) and htslib features {info['htslib_features']}")
        steps.say(f"    {wheel.name}: htslib {info['htslib_version']} {info['htslib_features']}")
    return wheel
