"""pysam's own extension modules under AddressSanitizer and
UndefinedBehaviorSanitizer, reading and writing on S3 (`make sanitize` only:
the build takes about 5 minutes, so `make test` skips it).

pysam's patched tree is built as the wheel builds it (external htslib linked
whole into libchtslib, its dependencies' symbols hidden by the wheel's
version script, recipe/pysam_build.py) but with gcc and
-fsanitize=address,undefined -fno-sanitize-recover=undefined, against a libhts
built the same way from the wheel's patched htslib tree. The S3 suite
(tests/s3, less what builds its own htslib or bounds memory) then runs on
moto with that pysam first on PYTHONPATH and the sanitizer runtimes preloaded into the
(unsanitized) interpreter; CPython's own allocations are not leaks of ours,
so leak detection is off here (test_sanitized_htslib.py has it on for libhts
and the S3 code alone)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from recipe import htslib as htslib_step, paths, pysam_build, venvs
from tests.htslib_trees import SANITIZE, build, environment, native_dir, run as run_logged, sanitizer_reports, tail
from tests.s3.runner import run

pytestmark = pytest.mark.timeout(3300)



@pytest.fixture(scope="module")
def sanitized_pysam(request, tmp_path_factory) -> Path:
    """A folder holding the sanitized `pysam` package."""
    if not request.config.getoption("--sanitized-pysam"):
        pytest.skip("pysam's extensions under the sanitizers run in `make sanitize` (a 5-minute build)")
    work = tmp_path_factory.mktemp("sanitized-pysam")
    flags = " ".join(SANITIZE)
    env = {**environment(CFLAGS=f"-g -O1 -fPIC {flags} -DHTS_ALLOW_UNALIGNED=0", LDFLAGS=flags),
           "HOME": str(work / "home")}
    (work / "home").mkdir()
    log = work / "build.log"
    htslib_tree = work / "htslib"
    shutil.copytree(paths.source_tree("htslib"), htslib_tree, symlinks=True)
    build(htslib_tree, "htslib", env, log, "lib-static")

    prefix, deps = native_dir() / "prefix", native_dir() / "deps"
    pysam_tree = work / "pysam"
    shutil.copytree(paths.source_tree("pysam"), pysam_tree, symlinks=True)
    link = ["-Wl,--whole-archive", str(htslib_tree / "libhts.a"), "-Wl,--no-whole-archive", f"-L{deps}/lib",
            *htslib_step.STATIC_LIBS.split(), f"-Wl,--version-script,{prefix / 'lib' / 'libchtslib.map'}"]
    pysam_env = {**env, "CC": "gcc", "LDSHARED": "gcc -shared", "CFLAGS": f"-g -O1 {flags}",
                 "LDFLAGS": f"-L{deps}/lib {flags} -Wl,-rpath,$ORIGIN", "HTSLIB_MODE": "external",
                 "HTSLIB_LIBRARY_DIR": str(htslib_tree), "HTSLIB_INCLUDE_DIR": str(htslib_tree),
                 "HTSLIB_LINK_ARGS": shlex.join(link)}
    pysam_env.pop("LIBS", None)
    wheels = work / "wheels"
    wheels.mkdir()
    done = run_logged([str(venvs.build_env(sys.executable)), "-c", pysam_build.BUILD_WHEEL, str(wheels)], pysam_tree,
                      pysam_env, log, 2400)
    assert done.returncode == 0, "pysam's sanitized build failed; " + tail(log)
    site = work / "site"
    with zipfile.ZipFile(next(wheels.glob("pysam-*.whl"))) as zf:
        zf.extractall(site, members=[m for m in zf.namelist() if m.startswith("pysam/")])
    return site


def runtime_env(site: Path) -> dict[str, str]:
    preload = [subprocess.run(["gcc", f"-print-file-name={lib}"], capture_output=True, text=True,
                              check=True).stdout.strip() for lib in ("libasan.so", "libubsan.so")]
    return {**os.environ, "PYTHONPATH": str(site), "LD_PRELOAD": " ".join(preload),
            "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1", "UBSAN_OPTIONS": "print_stacktrace=1"}


def test_the_sanitized_pysam_is_the_one_the_s3_tests_run(sanitized_pysam, monkeypatch):
    """As the S3 tests start their snippets (tests/s3/runner.py), in the inner run's environment."""
    for name, value in runtime_env(sanitized_pysam).items():
        monkeypatch.setenv(name, value)
    done = run("import pysam.libchtslib as m\nresult = m.__file__", timeout=120)
    assert done.ok, done
    assert done.result.startswith(str(sanitized_pysam)), done.result
    nm = subprocess.run(["nm", "-D", done.result], capture_output=True, text=True, check=True).stdout
    assert "__asan_init" in nm, "libchtslib is not instrumented"


# Not run with the sanitized pysam: the tests that build their own htslib (not
# pysam's), and those that bound memory (ASan keeps 256 MB of freed memory in
# quarantine and shadows the rest: that is what they would measure; the soak
# grew by 265 MB under it, by 0 without).
NOT_UNDER_SANITIZERS = ("test_sanitized_htslib.py", "test_sanitized_pysam.py", "test_plugins.py",
                        "test_eof_memory.py")
MEMORY_BOUNDED = ("test_load.py::test_a_soak_of_2000_region_queries_holds_descriptors_sockets_and_memory",)


def test_the_s3_suite_under_the_sanitizers(sanitized_pysam, tmp_path):
    """tests/s3 on moto (reads, writes, failures, credentials, threads, indexes...)."""
    env = runtime_env(sanitized_pysam)
    suite = Path(__file__).parent
    argv = [sys.executable, "-m", "pytest", str(suite), "--pysam=ours", "--s3-servers=moto", "-q",
            "-p", "no:cacheprovider", f"--basetemp={tmp_path / 'inner'}",
            *(f"--ignore={suite / name}" for name in NOT_UNDER_SANITIZERS),
            *(f"--deselect=tests/s3/{name}" for name in MEMORY_BOUNDED)]  # node ids, from the root
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=2700, cwd=paths.ROOT)
    output = done.stdout + done.stderr
    (tmp_path / "output.txt").write_text(output)
    assert done.returncode == 0, output[-6000:]
    assert not sanitizer_reports(output), output[-6000:]
    assert " passed" in output and " failed" not in output, output[-3000:]
