"""The project's sdist holds our own files only, is the same for the same
commit, and builds offline from its contents and the pinned archives."""

from __future__ import annotations

import hashlib
import sys
import tarfile

import pytest

from recipe import sdist, sbom


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return sdist.build(sys.executable, dest=tmp_path_factory.mktemp("sdist"))


@pytest.mark.timeout(300)
def test_holds_the_recipe_and_no_third_party_code(built):
    with tarfile.open(built) as tar:
        names = tar.getnames()
    top = names[0].split("/")[0]
    for required in ("sources.lock.toml", "recipe/fetch.py", "patches/htslib/series", "CMakeLists.txt"):
        assert f"{top}/{required}" in names
    assert not [n for n in names if "/vendor/" in n and n.count("/") > 2 and n.split("/")[3] == "src"]
    assert not [n for n in names if n.startswith(f"{top}/build/") and n != f"{top}/build/README.md"]
    assert not [n for n in names if "node_modules" in n or "/.venv/" in n]


def test_forbidden_members_are_named():
    names = ["p-1/pyproject.toml", "p-1/vendor/htslib/README.md", "p-1/vendor/htslib/src/sam.c",
             "p-1/build/README.md", "p-1/build/downloads/x.tar.gz", "p-1/tests/servers/s3rver/node_modules/a.js"]
    assert sdist.forbidden_members(names) == [
        "p-1/vendor/htslib/src/sam.c", "p-1/build/downloads/x.tar.gz", "p-1/tests/servers/s3rver/node_modules/a.js"]


@pytest.mark.timeout(300)
def test_same_bytes_for_the_same_commit(built, tmp_path):
    again = sdist.build(sys.executable, dest=tmp_path)
    assert hashlib.sha256(again.read_bytes()).hexdigest() == hashlib.sha256(built.read_bytes()).hexdigest()


@pytest.mark.timeout(1800)
def test_builds_offline_from_its_contents_and_the_pins(built):
    """The whole recipe runs from the unpacked sdist with every network route closed."""
    wheel = sdist.build_offline(built)
    info = sbom.read_build_info(wheel)
    assert "libcurl=yes S3=yes GCS=yes libdeflate=yes" in info["htslib_features"]
    assert {p["name"] for p in info["pins"]} >= {"pysam", "htslib", "curl", "openssl"}
