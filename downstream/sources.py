"""What each package is built and tested from: its sdist, verified by sha256
(recipe/fetch.py, into build/downloads/downstream/), and the paths its tests
need from the release's git commit.

The commit comes from a local copy of the repository when `--git-mirror`
names one (a template with {owner} and {name}, e.g.
/srv/git/{owner}/{name}.git), read in place, else from the repository itself,
fetched into build/downstream/git/. Either way the tag must point to the
pinned commit, and every file is taken by the blob id the commit's tree
names. A copy that lacks some blobs (a partial mirror) is used for the rest;
the files it lacks are returned, and the report names them: the tests that
read them fail alike with both pysams.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import urlparse

from recipe import fetch, paths, steps
from recipe.errors import RecipeError

from .corpus import Package, Tests

DOWNLOADS = paths.DOWNLOADS / "downstream"
GIT_TIMEOUT = 900


def sdist(package: Package) -> Path:
    return fetch.download(package.sdist, DOWNLOADS)


def _git(git_dir: Path, *args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "--git-dir", str(git_dir), *args], capture_output=True, timeout=timeout, **kw)


def _owner_and_name(repository: str) -> dict[str, str]:
    owner, name = urlparse(repository).path.strip("/").removesuffix(".git").split("/")[-2:]
    return {"owner": owner, "name": name}


def _commit_of_tag(git_dir: Path, tests: Tests) -> str | None:
    done = _git(git_dir, "rev-parse", "--verify", "--quiet", f"refs/tags/{tests.tag}^{{commit}}", text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def git_source(package: Package, work: Path, mirror: str | None) -> Path:
    """A git directory holding the pinned commit (its tree at least)."""
    tests = package.tests
    tried = []
    if mirror:
        local = Path(mirror.format(**_owner_and_name(tests.repository)))
        if local.exists() and _commit_of_tag(local, tests):
            return _checked(local, package)
        tried.append(f"{local} ({f'no tag {tests.tag} there' if local.exists() else 'no such folder'})")
    fetched = work / "git" / f"{package.name}.git"
    if not fetched.exists():
        subprocess.run(["git", "init", "--quiet", "--bare", str(fetched)], check=True, timeout=60)
    if not _commit_of_tag(fetched, tests):
        with steps.step(f"fetch {tests.tag} of {tests.repository}"):
            done = _git(fetched, "fetch", "--quiet", "--depth", "1", tests.repository,
                        f"+refs/tags/{tests.tag}:refs/tags/{tests.tag}", timeout=GIT_TIMEOUT, text=True)
            if done.returncode != 0:
                tried.append(f"{tests.repository} ({done.stderr.strip()})")
                raise RecipeError(f"{package.name}: cannot obtain tag {tests.tag}: tried {'; '.join(tried)}\n"
                                  "Name a local copy with --git-mirror")
    return _checked(fetched, package)


def _checked(git_dir: Path, package: Package) -> Path:
    found = _commit_of_tag(git_dir, package.tests)
    if found != package.tests.commit:
        raise RecipeError(f"{package.name}: tag {package.tests.tag} in {git_dir} is commit {found}, "
                          f"not the pinned {package.tests.commit} (downstream/corpus.toml)")
    return git_dir


def test_tree(package: Package, git_dir: Path, dest: Path) -> list[str]:
    """The `take` paths of the pinned commit, written under `dest`; returns the
    paths whose content the git directory lacks."""
    tests = package.tests
    listing = _git(git_dir, "ls-tree", "-r", "-z", tests.commit, "--", *tests.take)
    if listing.returncode != 0:
        raise RecipeError(f"{package.name}: git ls-tree {tests.commit} failed: {listing.stderr.decode().strip()}")
    entries = [e for e in listing.stdout.decode().split("\0") if e]
    taken = set()
    missing = []
    for entry in entries:
        meta, path = entry.split("\t", 1)
        mode, kind, blob = meta.split()
        taken.update(t for t in tests.take if path == t or path.startswith(t + "/"))
        if kind != "blob":
            continue
        content = _git(git_dir, "cat-file", "blob", blob, timeout=300)
        if content.returncode != 0:
            missing.append(path)
            continue
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            target.symlink_to(content.stdout.decode())
        else:
            target.write_bytes(content.stdout)
            os.chmod(target, 0o755 if mode == "100755" else 0o644)
    absent = set(tests.take) - taken
    if absent:
        raise RecipeError(f"{package.name}: commit {tests.commit} has no {', '.join(sorted(absent))}")
    return missing
