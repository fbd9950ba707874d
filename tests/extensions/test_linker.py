"""pysam's linker tests, to the same effect (projects/linker/setup.py): one
Cython module calling bam_endpos (htslib) and aux_type2size (pysam's helper),
linked against pysam three ways, built and run with our wheel and with stock
pysam. With the wheel of main (htslib in a libhts-HASH.so.3 and left out of
get_libraries()) every import failed: `undefined symbol: aux_type2size`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import BUILD_TIMEOUT, FLAVOURS, Venv, copy_project, make_venv, wheel

pytestmark = [pytest.mark.ours, pytest.mark.timeout(600)]

READ = {"name": "hello", "sequence": "ACGT", "end": 14, "size of i": 4}
BUILD_READ = "import json, {0}; print(json.dumps({0}.build_read()))"
MODULES = ("with_rpath", "pre_489", "without_rpath")


@pytest.fixture(scope="module", params=FLAVOURS)
def built(request, venvs, tmp_path_factory):
    """(venv, project folder) with the three modules built in place."""
    venv = venvs[request.param]
    return venv, build_linker_tests(venv, tmp_path_factory.mktemp(f"linker-{venv.flavour}"))


def build_linker_tests(venv: Venv, folder: Path) -> Path:
    project = copy_project("linker", folder)
    venv.check(["setup.py", "build_ext", "--inplace"], project, timeout=BUILD_TIMEOUT)
    return project


def run_linker_tests(venv: Venv, project: Path) -> dict:
    """What each module's build_read() returns (without_rpath: with LD_LIBRARY_PATH)."""
    return {module: json.loads(venv.check(["-c", BUILD_READ.format(module)], project, **env))
            for module, env in (("with_rpath", {}), ("pre_489", {}),
                                ("without_rpath", {"LD_LIBRARY_PATH": str(venv.pysam_dir())}))}


def test_linked_with_an_rpath_imports_and_runs(built):
    """pysam's link_with_rpath: -l for each of get_libraries(), an rpath to pysam's folder."""
    venv, project = built
    assert json.loads(venv.check(["-c", BUILD_READ.format("with_rpath")], project)) == READ


def test_linked_by_the_documented_recipe_imports_and_runs(built):
    """pysam's link_pre_489: get_libraries() as extra link arguments."""
    venv, project = built
    assert json.loads(venv.check(["-c", BUILD_READ.format("pre_489")], project)) == READ


def test_linked_without_an_rpath_imports_only_with_pysams_folder_on_ld_library_path(built):
    """pysam's link_without_rpath: without an rpath the loader cannot find pysam's
    libraries (stock's have no SONAME, nor do ours); with LD_LIBRARY_PATH it can."""
    venv, project = built
    alone = venv.run(["-c", BUILD_READ.format("without_rpath")], project)
    assert alone.returncode == 1 and "ImportError" in alone.stderr, alone.stderr
    assert "libchtslib" in alone.stderr and "cannot open shared object file" in alone.stderr, alone.stderr
    out = venv.check(["-c", BUILD_READ.format("without_rpath")], project, LD_LIBRARY_PATH=str(venv.pysam_dir()))
    assert json.loads(out) == READ


@pytest.mark.parametrize("first, then", [("stock", "ours"), ("ours", "stock")])
def test_the_modules_keep_working_when_the_pysam_under_them_is_replaced(first, then, tmp_path):
    """Built against one pysam, run after `pip install --force-reinstall` of the other:
    stock to ours is replacing stock pysam by ours under existing extensions; ours to
    stock shows that nothing of our build is baked into them, so a newer build of ours
    replaces ours under them too (with main's wheel, an extension that linked htslib
    named libhts-HASH.so.3, a name each build changes)."""
    venv = make_venv(tmp_path / "swap", first)
    project = build_linker_tests(venv, tmp_path / "swap")
    modules = {p: p.read_bytes() for p in project.glob("*.so")}
    assert len(modules) == 3 and run_linker_tests(venv, project) == dict.fromkeys(MODULES, READ)
    venv.install("--force-reinstall", "--no-deps", wheel(then))
    assert (venv.run(["-c", "import pysam_s3"], tmp_path).returncode == 0) == (then == "ours"), "not replaced"
    assert run_linker_tests(venv, project) == dict.fromkeys(MODULES, READ)
    assert {p: p.read_bytes() for p in project.glob("*.so")} == modules
