"""What pysam tells an extension's build about itself (pysam.config,
get_include(), get_libraries(), get_defines()) and what its libchtslib
exports, ours next to stock's: the same, or differing where documented
(README, "Building extensions against pysam-s3")."""

from __future__ import annotations

import json

import pytest

from .conftest import STOCK_ONLY, exported

pytestmark = [pytest.mark.ours, pytest.mark.timeout(300)]

CONFIG = ("import json, pysam.config as c; "
          "print(json.dumps({k: getattr(c, k) for k in dir(c) if k.isupper()}))")
# Where our htslib differs from stock's: it is built with libdeflate.
CONFIG_DIFFERENCES = {"HAVE_LIBDEFLATE": {"ours": 1, "stock": 0}}
# Beyond stock's headers: the CA lookup our htslib patches add (patches/htslib/0002).
EXTRA_HEADERS = {"htslib/hfile_curl_ca.h"}


def ask(venvs, code: str, tmp_path) -> dict:
    return {flavour: venv.json(code, tmp_path) for flavour, venv in venvs.items()}


def test_pysam_config_answers_as_stocks_does(venvs, tmp_path):
    """HTSLIB == "builtin" as in stock (main's wheel said "external", which made
    get_libraries() leave libchtslib out); the other keys as stock's but libdeflate."""
    config = ask(venvs, CONFIG, tmp_path)
    assert config["ours"]["HTSLIB"] == config["stock"]["HTSLIB"] == "builtin"
    assert config["ours"].keys() == config["stock"].keys()
    differing = {k: {f: config[f][k] for f in config} for k in config["ours"] if config["ours"][k] != config["stock"][k]}
    assert differing == CONFIG_DIFFERENCES


def test_get_libraries_and_get_defines_answer_as_stocks_do(venvs, tmp_path):
    """The same seven libraries (libchtslib last: it holds htslib), each a file in pysam's folder."""
    answers = ask(venvs, "import json, os, pysam; print(json.dumps({'libraries': [(os.path.basename(p), "
                         "os.path.dirname(p) == os.path.dirname(pysam.__file__), os.path.isfile(p)) for p in "
                         "pysam.get_libraries()], 'defines': pysam.get_defines()}))", tmp_path)
    assert answers["ours"] == answers["stock"]
    libraries = answers["ours"]["libraries"]
    assert len(libraries) == 7 and libraries[-1][0].startswith("libchtslib.")
    assert all(inside and exists for _, inside, exists in libraries)


def test_get_include_ships_every_header_stock_ships(venvs, tmp_path):
    """htslib's public headers and its own top-level ones (*_internal.h, header.h, config.h,
    ...), samtools' and bcftools' (samtools_config_vars.h too), in the same folders."""
    listing = ("import json, os, pysam; base = os.path.dirname(pysam.__file__); print(json.dumps({"
               "'dirs': [os.path.relpath(d, base) for d in pysam.get_include()], 'files': sorted("
               "os.path.relpath(os.path.join(r, f), os.path.join(base, 'include')) for r, _, fs in "
               "os.walk(os.path.join(base, 'include')) for f in fs if f.endswith('.h'))}))")
    answers = ask(venvs, listing, tmp_path)
    assert answers["ours"]["dirs"] == answers["stock"]["dirs"] == [".", "include/htslib", "include/samtools"]
    ours, stock = set(answers["ours"]["files"]), set(answers["stock"]["files"])
    assert stock - ours == set()
    assert ours - stock == EXTRA_HEADERS
    assert {"htslib/config.h", "htslib/hts_internal.h", "htslib/header.h", "samtools/samtools_config_vars.h",
            "htslib/htslib/sam.h"} <= ours


def test_libchtslib_exports_what_stocks_does(venvs):
    """htslib's API (625 symbols in stock's) and pysam's helpers, from libchtslib,
    where extensions built on pysam find them; only stock's dlopen shim is missing."""
    ours, stock = exported(venvs["ours"]), exported(venvs["stock"])
    assert stock - ours == STOCK_ONLY & stock
    assert {"hts_version", "sam_hdr_nref", "bam_endpos", "aux_type2size", "pysam_bam_update"} <= ours
    assert {"hts_s3_set_config", "hfile_error_detail"} <= ours - stock  # what our htslib patches add


def test_pysams_objects_have_stocks_sizes(venvs, tmp_path):
    """pysam's binary compatibility check (tests/compile_test.py in its git tree):
    the C structs behind its objects, as extensions compiled against pysam see them."""
    sizes = ("import json, pysam; print(json.dumps({"
             "'AlignedSegment': pysam.AlignedSegment().__sizeof__(), "
             "'AlignmentHeader': pysam.AlignmentHeader().__sizeof__(), "
             "'VariantHeader': pysam.VariantHeader().__sizeof__(), "
             "'FastqProxy': pysam.FastqProxy.__basicsize__, 'AlignmentFile': pysam.AlignmentFile.__basicsize__, "
             "'VariantFile': pysam.VariantFile.__basicsize__, 'TabixFile': pysam.TabixFile.__basicsize__, "
             "'GZIterator': pysam.GZIterator.__basicsize__}))")
    answers = ask(venvs, sizes, tmp_path)
    assert answers["ours"] == answers["stock"]


@pytest.mark.parametrize("flavour, other", [("ours", "stock"), ("stock", "ours")])
def test_the_other_pysams_folder_on_ld_library_path_does_not_replace_this_ones(venvs, files, flavour, other,
                                                                               tmp_path):
    """Its libchtslib has the same name; the extensions find their own by RPATH=$ORIGIN
    first, as stock's do (with main's RUNPATH, ours bound to stock's libchtslib and
    failed: `undefined symbol: hfile_error_detail`)."""
    code = ("import json, pysam; "
            f"n = sum(1 for _ in pysam.AlignmentFile({str(files['bam'])!r})); "
            "maps = {l.split()[-1] for l in open('/proc/self/maps') if 'libchtslib' in l}; "
            "print(json.dumps([n, sorted(maps)]))")
    venv = venvs[flavour]
    out = venv.check(["-c", code], tmp_path, LD_LIBRARY_PATH=str(venvs[other].pysam_dir()))
    assert json.loads(out) == [1_000, [str(next(venv.pysam_dir().glob("libchtslib.*.so")))]]
