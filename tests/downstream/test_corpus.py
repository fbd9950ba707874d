"""The downstream job's own parts (downstream/, `make downstream`), without
network: the corpus as pinned, and test trees taken from a git commit (a
repository made here, with real git)."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from downstream import corpus, sources
from recipe.errors import RecipeError

pytestmark = pytest.mark.timeout(120)


def test_the_corpus_pins_each_sdist_and_the_commit_of_its_tests():
    packages = {p.name: p for p in corpus.load()}
    assert sorted(packages) == ["htseq", "pysamstats", "umi_tools"]
    for p in packages.values():
        assert p.sdist.file.endswith(".tar.gz") and len(p.sdist.sha256) == 64
        assert [r.kind for r in p.sdist.get] == ["pypi"]
        assert p.tests.repository.startswith("https://github.com/") and len(p.tests.commit) == 40
        assert p.tests.take and p.tests.pytest


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          timeout=60, env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                                           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                                           "PATH": "/usr/bin:/bin"}).stdout.strip()


@pytest.fixture
def repository(tmp_path):
    """owner/name as a local git repository with tag v1: (template for --git-mirror, package)."""
    repo = tmp_path / "mirror" / "owner" / "name"
    for path, text in {"data/a.txt": "a\n", "data/deep/b.bin": "b\n", "tests/test_x.py": "def test_x(): pass\n",
                       "src/module.py": "x = 1\n"}.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo.parent, "init", "--quiet", "name")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "release")
    git(repo, "tag", "v1")
    commit = git(repo, "rev-parse", "HEAD")
    package = corpus.Package(corpus.load()[0].sdist, corpus.Tests(
        repository="https://github.com/owner/name", tag="v1", commit=commit, take=("data", "tests"),
        pytest=("tests",)))
    return str(tmp_path / "mirror" / "{owner}" / "{name}" / ".git"), package


def test_the_paths_taken_from_the_pinned_commit(repository, tmp_path):
    mirror, package = repository
    git_dir = sources.git_source(package, tmp_path / "work", mirror)
    missing = sources.test_tree(package, git_dir, tmp_path / "tree")
    assert missing == []
    assert sorted(str(p.relative_to(tmp_path / "tree")) for p in (tmp_path / "tree").rglob("*") if p.is_file()) == [
        "data/a.txt", "data/deep/b.bin", "tests/test_x.py"]


def test_a_tag_on_another_commit_is_refused(repository, tmp_path):
    mirror, package = repository
    moved = dataclasses.replace(package, tests=dataclasses.replace(package.tests, commit="0" * 40))
    with pytest.raises(RecipeError, match="tag v1 in .* is commit [0-9a-f]{40}, not the pinned 0{40}"):
        sources.git_source(moved, tmp_path / "work", mirror)


def test_a_path_the_commit_lacks_is_refused(repository, tmp_path):
    mirror, package = repository
    asked = dataclasses.replace(package, tests=dataclasses.replace(package.tests, take=("data", "fixture")))
    with pytest.raises(RecipeError, match="has no fixture"):
        sources.test_tree(asked, sources.git_source(asked, tmp_path / "work", mirror), tmp_path / "tree")


def test_files_a_partial_copy_lacks_are_named_and_the_rest_taken(repository, tmp_path):
    """As in a mirror that left out its largest files: the others are written, the lacking ones returned."""
    mirror, package = repository
    git_dir = Path(mirror.format(owner="owner", name="name"))
    blob = git(git_dir.parent, "rev-parse", "v1:data/deep/b.bin")
    (git_dir / "objects" / blob[:2] / blob[2:]).unlink()
    missing = sources.test_tree(package, sources.git_source(package, tmp_path / "work", mirror), tmp_path / "tree")
    assert missing == ["data/deep/b.bin"]
    assert (tmp_path / "tree" / "data" / "a.txt").read_text() == "a\n"
    assert not (tmp_path / "tree" / "data" / "deep" / "b.bin").exists()


def test_without_a_mirror_or_a_reachable_repository_the_error_says_what_was_tried(repository, tmp_path):
    mirror, package = repository
    elsewhere = dataclasses.replace(package, tests=dataclasses.replace(
        package.tests, repository=str(tmp_path / "nowhere" / "owner" / "name")))
    with pytest.raises(RecipeError, match=r"(?s)cannot obtain tag v1: tried .*none/owner/name \(no such folder\); "
                                          r".*nowhere.*\nName a local copy with --git-mirror"):
        sources.git_source(elsewhere, tmp_path / "work", str(tmp_path / "none" / "{owner}" / "{name}"))
