"""[tool.cibuildwheel] gives exactly the intended matrix: every CPython stock
pysam 0.24.1 publishes wheels for (3.9 to 3.15, no free-threaded builds), on
manylinux_2_28 and musllinux_1_2, x86_64 and aarch64."""

from __future__ import annotations

import os
import subprocess

import pytest

from recipe import _toml
from tests.conftest import ROOT

from .conftest import tool

PYTHONS = ("cp39", "cp310", "cp311", "cp312", "cp313", "cp314", "cp315")
EXPECTED = {f"{py}-{libc}_{arch}" for py in PYTHONS for libc in ("manylinux", "musllinux")
            for arch in ("x86_64", "aarch64")}


def identifiers(*extra: str, env: dict | None = None) -> set[str]:
    proc = subprocess.run([tool("cibuildwheel"), "--print-build-identifiers", "--platform", "linux", *extra, "."],
                          cwd=ROOT, capture_output=True, text=True, timeout=100, env=env)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


@pytest.mark.timeout(120)
def test_matrix_is_exactly_the_intended_one():
    assert identifiers() == EXPECTED


@pytest.mark.timeout(120)
def test_release_jobs_split_the_matrix_without_gaps():
    """The four release jobs (CIBW_ARCHS_LINUX + CIBW_SKIP) together build it all, once."""
    jobs = []
    for arch in ("x86_64", "aarch64"):
        for skip in ("*-musllinux_*", "*-manylinux_*"):
            env = {**os.environ, "CIBW_ARCHS_LINUX": arch, "CIBW_SKIP": skip}
            jobs.append(identifiers(env=env))
    assert set().union(*jobs) == EXPECTED
    assert sum(len(j) for j in jobs) == len(EXPECTED)


@pytest.mark.unit
def test_images_and_tests_are_configured():
    with open(ROOT / "pyproject.toml", "rb") as f:
        cfg = _toml.load(f)["tool"]["cibuildwheel"]
    assert cfg["manylinux-x86_64-image"] == cfg["manylinux-aarch64-image"] == "manylinux_2_28"
    assert cfg["musllinux-x86_64-image"] == cfg["musllinux-aarch64-image"] == "musllinux_1_2"
    assert "--s3-servers=moto" in cfg["test-command"] and "tests/s3" in cfg["test-command"]
    # a wheel that lost pysam_s3 must fail its test step, not skip the tests of ours
    assert "--pysam=ours" in cfg["test-command"].split()
    # the installed-wheel tests compare the wheel's license texts with licenses/
    assert "licenses" in cfg["test-sources"]
    # the release build runs with the hashed toolchain lock, not a fresh isolated resolution
    assert cfg["before-build"] == "python -m pip install --require-hashes -r {project}/requirements/build.lock"
    assert cfg["build-frontend"] == {"name": "build", "args": ["--no-isolation"]}
    assert "requirements/test.txt" in cfg["before-test"]
    for path in cfg["test-sources"]:
        assert (ROOT / path).exists(), path
