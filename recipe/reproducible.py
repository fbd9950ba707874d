"""`make reproducible`: two builds of the same commit give the same wheel, byte for byte.

Each build starts from a fresh clone of HEAD at the same place
(build/reproducible/checkout), with the verified downloads copied in so
nothing is fetched, and runs the whole recipe there; the two wheels are then
compared. Only committed work is tested (a clone has no uncommitted changes).
The builds run at the same path because htslib, OpenSSL and samtools record
their compiler command lines, which name the build folder (see README).
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

from . import paths, process, steps
from .digests import sha256_of

WORK = paths.BUILD / "reproducible"


def _build_once(label: str) -> Path:
    checkout = WORK / "checkout"
    shutil.rmtree(checkout, ignore_errors=True)
    log = steps.new_log(f"reproducible-{label}")
    with steps.step(f"{label} build from a clean clone of HEAD in {checkout} (log: {log})"):
        process.run(["git", "clone", "--quiet", "--no-hardlinks", paths.ROOT, checkout], log=log,
                  what="git clone")
        downloads = checkout / "build" / "downloads"
        downloads.mkdir(parents=True)
        for archive in paths.DOWNLOADS.glob("*.*"):
            if archive.is_file():
                shutil.copy2(archive, downloads / archive.name)
        process.run([sys.executable, "-m", "recipe", "wheel"], cwd=checkout, log=log, what=f"the {label} build")
        [wheel] = sorted((checkout / "dist").glob("*.whl"))
        kept = WORK / label / wheel.name
        shutil.rmtree(kept.parent, ignore_errors=True)
        kept.parent.mkdir(parents=True)
        shutil.move(str(wheel), kept)
    return kept


def differences(a: Path, b: Path) -> list[str]:
    """Members whose bytes, metadata or presence differ between two wheels."""
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        ia = {i.filename: i for i in za.infolist()}
        ib = {i.filename: i for i in zb.infolist()}
        out = [f"only in one wheel: {n}" for n in sorted(set(ia) ^ set(ib))]
        for name in sorted(set(ia) & set(ib)):
            if za.read(name) != zb.read(name):
                out.append(f"content differs: {name}")
            elif (ia[name].date_time, ia[name].external_attr) != (ib[name].date_time, ib[name].external_attr):
                out.append(f"date or mode differs: {name}")
        if not out and [i.filename for i in za.infolist()] != [i.filename for i in zb.infolist()]:
            out.append("member order differs")
    return out


def check() -> int:
    first, second = _build_once("first"), _build_once("second")
    digests = [sha256_of(w) for w in (first, second)]
    if digests[0] == digests[1]:
        steps.say(f"==> reproducible: both builds give {first.name}\n    sha256 {digests[0]}")
        return 0
    steps.say(f"==> NOT reproducible: {first} and {second} differ")
    for line in differences(first, second) or ["the archives differ outside their members"]:
        steps.say(f"    {line}")
    return 1
