"""pysam's documented recipe for extensions ("Extending pysam": a .pyxbld with
get_include(), get_libraries(), get_defines(), built by pyximport), its
flagstat example and its pyximport compile test, to the same effect
(projects/recipe/), with our wheel and with stock pysam; what a downstream
extension keeps of the pysam it was built against (its NEEDED entries); and
an extension that binds every symbol stock's libchtslib exports."""

from __future__ import annotations

import json
import re
import sysconfig
from pathlib import Path

import pytest

from recipe.features import needed

from .conftest import BUILD_TIMEOUT, FLAVOURS, STOCK_ONLY, Venv, copy_project, exported

pytestmark = [pytest.mark.ours, pytest.mark.timeout(600)]

# The C library (glibc's), as a downstream extension built here needs it.
SYSTEM = re.compile(r"lib(c|m|pthread|dl|rt)\.so\.\d+")
# A name auditwheel (or main's libhts-HASH.so.3) gives a library: it changes with every build.
HASHED = re.compile(r"-[0-9a-f]{8}\.so")


def build_and_run(venv: Venv, folder: Path, files: dict[str, Path]) -> tuple[dict, Path]:
    """projects/recipe copied into `folder`, its modules built by pyximport into
    folder/pyxbld and run: (what run.py printed, the build folder)."""
    project = copy_project("recipe", folder)
    out = venv.check(["run.py", project / "pyxbld", files["bam"], files["bed"]], project, timeout=BUILD_TIMEOUT)
    return json.loads(out), project / "pyxbld"


@pytest.fixture(scope="module", params=FLAVOURS)
def recipe(request, venvs, files, tmp_path_factory):
    venv = venvs[request.param]
    result, build_dir = build_and_run(venv, tmp_path_factory.mktemp(f"recipe-{venv.flavour}"), files)
    return venv, result, build_dir


def test_the_documented_recipe_calls_htslib_and_pysams_helpers(recipe):
    """hts_version, hts_open, sam_hdr_read, sam_hdr_nref, sam_hdr_tid2name, sam_read1,
    bam_get_qname, bam_endpos, bam_aux_get, bam_aux2i (htslib) and aux_type2size,
    pysam_translate_sequence, pysam_seq_comp_table, hts_get_verbosity (pysam's own, in
    libchtslib): with the wheel of main the module built, then failed to import
    (`undefined symbol: hts_version`, `aux_type2size`)."""
    venv, result, _ = recipe
    htslib, expected = result["htslib"], result["pysam"]
    assert htslib["version"] == expected["htslib_version"]
    assert htslib["bam"] == expected["bam"]
    assert htslib["bam"]["records"] == 1_000 and htslib["bam"]["contigs"] == ["chr1", "chr2", "chrM"]
    assert htslib["helpers"] == {
        "aux_type2size": {"A": 1, "c": 1, "C": 1, "s": 2, "S": 2, "i": 4, "I": 4, "f": 4, "d": 8},
        "translate": [1, 2, 4, 8, 15], "complement": "T", "verbosity": 3}


def test_the_flagstat_example_counts_as_pysam_does(recipe):
    venv, result, _ = recipe
    assert result["flagstat"] == {"paired": 0, "proper": 0, "reverse": result["pysam"]["bam"]["reverse"]}
    assert result["flagstat"]["reverse"] > 0


def test_the_compile_test_reads_htslibs_structs_without_linking_pysam(recipe):
    """pysam's compile test: no library of pysam linked, its types and structs cimported."""
    venv, result, _ = recipe
    assert result["compile_test"] == {"bam": {"records": 1_000, "reverse": result["pysam"]["bam"]["reverse"]},
                                      "tabix": result["pysam"]["tabix"]}
    assert result["pysam"]["tabix"] == 200


def stock_names(venvs: dict[str, Venv]) -> set[str]:
    return {p.name for p in venvs["stock"].pysam_dir().iterdir()}


def test_the_extensions_need_no_name_that_changes_from_one_build_to_the_next(recipe, venvs):
    """Every library a downstream extension needs is the C library or one of pysam's
    files by a name stock pysam has too (lib<module> + the interpreter's EXT_SUFFIX,
    no hash): a newer build of our wheel, or stock pysam, satisfies it. With main's
    wheel, linking htslib meant naming libhts-HASH.so.3, new with every build."""
    venv, _, build_dir = recipe
    built = sorted(build_dir.rglob("*.so"))
    assert {p.name.split(".")[0] for p in built} == {"htslib_calls", "flagstat", "compile_test"}
    pysam_dir, names = venv.pysam_dir(), stock_names(venvs)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    for extension in built:
        entries = needed(extension)
        for entry in entries:
            assert not HASHED.search(entry) and "libhts" not in entry, (extension.name, entry)
            if not SYSTEM.fullmatch(entry):
                assert Path(entry).name in names and Path(entry).name.endswith(suffix), (extension.name, entry)
                assert Path(entry).parent in (Path(""), pysam_dir), (extension.name, entry)
        if extension.name.startswith("htslib_calls"):  # get_libraries() linked; libchtslib holds htslib
            assert str(pysam_dir / f"libchtslib{suffix}") in entries, entries


def test_every_symbol_stocks_libchtslib_exports_links_through_get_libraries(venvs, tmp_path):
    """An extension (C, setuptools, the documented link arguments) that takes the address
    of every function and variable stock's libchtslib exports, imported with our wheel:
    the loader binds every one of them (CPython loads extensions with RTLD_NOW).
    pysam's dlopen shim for libcurl and libcrypto is stock's alone (we link them)."""
    symbols = sorted(exported(venvs["stock"]) - STOCK_ONLY)
    assert len(symbols) > 600 and {"hts_version", "sam_hdr_nref", "aux_type2size", "hts_open"} <= set(symbols)
    for flavour, venv in venvs.items():
        folder = tmp_path / flavour
        folder.mkdir()
        declarations = "".join(f"extern char {s};\n" for s in symbols)
        table = ",\n".join(f"    &{s}" for s in symbols)
        (folder / "every_symbol.c").write_text(
            "#define PY_SSIZE_T_CLEAN\n#include <Python.h>\n" + declarations
            + f"static const void *table[] = {{\n{table}\n}};\n"
            "static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, \"every_symbol\", NULL, -1, NULL};\n"
            "PyMODINIT_FUNC PyInit_every_symbol(void) {\n"
            "    PyObject *m = PyModule_Create(&module);\n"
            "    if (m) PyModule_AddIntConstant(m, \"count\", (long)(sizeof table / sizeof table[0]));\n"
            "    return m;\n}\n")
        (folder / "setup.py").write_text(
            "import pysam\nfrom setuptools import Extension, setup\n"
            "setup(name='every-symbol', ext_modules=[Extension('every_symbol', ['every_symbol.c'],\n"
            "      extra_link_args=pysam.get_libraries(), include_dirs=pysam.get_include(),\n"
            "      define_macros=pysam.get_defines())])\n")
        venv.check(["setup.py", "build_ext", "--inplace"], folder, timeout=BUILD_TIMEOUT)
        count = venv.check(["-c", "import pysam, every_symbol; print(every_symbol.count)"], folder)
        assert int(count) == len(symbols), flavour

