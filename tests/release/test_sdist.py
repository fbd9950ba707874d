"""The project's sdist holds our own files only, is the same for the same
commit, and builds offline from its contents and the pinned archives."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile

import pytest

from recipe import sdist, sbom


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Built in a folder of the test's own, not the checkout's build/ (a build may be running there)."""
    return sdist.build(sys.executable, dest=tmp_path_factory.mktemp("sdist"), work=tmp_path_factory.mktemp("work"))


@pytest.mark.unit
@pytest.mark.timeout(300)
def test_holds_the_recipe_and_no_third_party_code(built):
    with tarfile.open(built) as tar:
        names = tar.getnames()
    top = names[0].split("/")[0]
    for required in ("sources.lock.toml", "recipe/fetch.py", "patches/htslib/series", "CMakeLists.txt",
                     "LICENSE", "licenses/curl/COPYING", "licenses/openssl/LICENSE.txt"):
        assert f"{top}/{required}" in names
    assert not [n for n in names if "/vendor/" in n and n.count("/") > 2 and n.split("/")[3] == "src"]
    assert not [n for n in names if n.startswith(f"{top}/build/") and n != f"{top}/build/README.md"]
    assert not [n for n in names if "node_modules" in n or "/.venv/" in n]


@pytest.mark.unit
def test_refuses_files_git_does_not_track(tmp_path, monkeypatch):
    """A stray file in the checkout would be packed into the sdist: named, and refused."""
    from recipe import paths
    from recipe.errors import RecipeError

    checkout = tmp_path / "checkout"
    checkout.mkdir()
    git = ["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True, timeout=30)
    (checkout / ".gitignore").write_text("build/\n")
    (checkout / "pyproject.toml").write_text("")
    subprocess.run([*git, "add", "."], check=True, timeout=30)
    subprocess.run([*git, "commit", "-qm", "x"], check=True, timeout=30)
    (checkout / "build").mkdir()
    (checkout / "build" / "ignored.log").write_text("x")
    (checkout / "ci-log.txt").write_text("x")
    monkeypatch.setattr(paths, "ROOT", checkout)
    assert sdist.untracked_files() == ["ci-log.txt"]
    with pytest.raises(RecipeError, match="the sdist would pack files git does not track: ci-log.txt"):
        sdist.build(sys.executable, dest=tmp_path / "dest", work=tmp_path / "work")


@pytest.mark.unit
def test_forbidden_members_are_named():
    names = ["p-1/pyproject.toml", "p-1/vendor/htslib/README.md", "p-1/vendor/htslib/src/sam.c",
             "p-1/build/README.md", "p-1/build/downloads/x.tar.gz", "p-1/testkit/s3rver/node_modules/a.js"]
    assert sdist.forbidden_members(names) == [
        "p-1/vendor/htslib/src/sam.c", "p-1/build/downloads/x.tar.gz", "p-1/testkit/s3rver/node_modules/a.js"]


@pytest.mark.unit
@pytest.mark.timeout(300)
def test_same_bytes_for_the_same_commit(built, tmp_path):
    again = sdist.build(sys.executable, dest=tmp_path / "dest", work=tmp_path / "work")
    assert hashlib.sha256(again.read_bytes()).hexdigest() == hashlib.sha256(built.read_bytes()).hexdigest()


@pytest.mark.timeout(1800)
def test_builds_offline_from_its_contents_and_the_pins(built, tmp_path):
    """The whole recipe runs from the unpacked sdist with every network route closed, and
    an option given as a PEP 517 config setting (not by editing the unpacked
    pyproject.toml) reaches both the wheel's version and its build info."""
    wheel = sdist.build_offline(built, work=tmp_path / "offline", config_settings={"pysam-s3.build-revision": "99"})
    assert wheel.name.startswith("pysam-0.24.1+htslib1.24.s3r99-")
    info = sbom.read_build_info(wheel)
    assert info["version"] == "0.24.1+htslib1.24.s3r99" and info["build_revision"] == 99
    assert "libcurl=yes S3=yes GCS=yes libdeflate=yes" in info["htslib_features"]
    assert {p["name"] for p in info["pins"]} >= {"pysam", "htslib", "curl", "openssl"}
