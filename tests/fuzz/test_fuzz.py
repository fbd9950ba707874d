"""libFuzzer on the parsers the htslib series adds (`make fuzz`; a short run is
part of `make test`).

pysam's patched htslib, the tree the wheel is built from, is built with clang's
-fsanitize=fuzzer-no-link,address,undefined (any UBSan report aborts), and each
target in targets/ (which includes the source file it fuzzes, to reach its
static functions) is linked against it. Each runs first over its seed corpus
in corpus/<target>/ (committed; an input that once crashed a target stays
there as a regression input) and then for --fuzz-seconds, with a dictionary
of the format's words where there is one. A crash, leak, timeout or
sanitizer report fails the test; its input is left in build/fuzz/<target>/
(add it to the corpus once fixed). Executions and corpus sizes go to
build/fuzz/<target>.json."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from recipe import htslib as htslib_step, paths
from tests.htslib_trees import SANITIZE, build, environment, run, tail

HERE = Path(__file__).parent
TARGETS = sorted(p.stem for p in (HERE / "targets").glob("*_fuzzer.c"))
OUT = paths.ROOT / "build" / "fuzz"


@pytest.fixture(scope="module")
def fuzz_tree(tmp_path_factory):
    """(tree, its build environment, log): libhts built for fuzzing with clang."""
    if not shutil.which("clang"):
        pytest.fail("clang is missing: `make test` and `make fuzz` install it (requirements/apt-fuzz.txt)")
    work = tmp_path_factory.mktemp("fuzz")
    tree = work / "htslib"
    shutil.copytree(paths.source_tree("htslib"), tree, symlinks=True)
    flags = " ".join(["-fsanitize=fuzzer-no-link", *SANITIZE])
    env = {**environment(CC="clang", CFLAGS=f"-g -O1 {flags} -DHTS_ALLOW_UNALIGNED=0", LDFLAGS=" ".join(SANITIZE)),
           "HOME": str(work / "home")}
    (work / "home").mkdir()
    log = work / "build.log"
    build(tree, "htslib", env, log, "lib-static")
    return tree, env, log


@pytest.mark.timeout(900)
@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_target_finds_nothing(fuzz_tree, target, request, tmp_path):
    tree, env, log = fuzz_tree
    seconds = request.config.getoption("--fuzz-seconds")
    binary = tmp_path / target
    link = ["clang", "-g", "-O1", "-fsanitize=fuzzer", *SANITIZE, "-I.", f"-I{HERE / 'targets'}", *env.get("CPPFLAGS", "").split(),
            "-o", str(binary), str(HERE / "targets" / f"{target}.c"), "libhts.a",
            *env["LDFLAGS"].split(), *htslib_step.STATIC_LIBS.split(), "-lpthread"]
    assert run(link, tree, env, log, 300).returncode == 0, tail(log)

    seeds = HERE / "corpus" / target
    assert any(seeds.iterdir()), f"{seeds} holds no seed input"
    found = tmp_path / "corpus"  # what the run adds (not committed)
    found.mkdir()
    artifacts = OUT / target
    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True)
    argv = [str(binary), f"-max_total_time={seconds}", "-timeout=10", "-rss_limit_mb=2048",
            "-print_final_stats=1", f"-artifact_prefix={artifacts}/", str(found), str(seeds)]
    dictionary = HERE / "dictionaries" / f"{target}.dict"
    if dictionary.exists():
        argv.insert(1, f"-dict={dictionary}")
    output = tmp_path / "fuzz.log"
    done = run(argv, tmp_path, {**env, "ASAN_OPTIONS": "detect_leaks=1"}, output, seconds + 120)
    text = output.read_text(errors="replace")
    stats = {k: int(v) for k, v in re.findall(r"^stat::(\w+):\s+(\d+)$", text, re.M)}
    found_units = len(list(found.iterdir()))
    (OUT / f"{target}.json").write_text(json.dumps({
        "seconds": seconds, "executions": stats.get("number_of_executed_units"),
        "seed_inputs": len(list(seeds.iterdir())), "inputs_found": found_units,
        "crashes": len(list(artifacts.iterdir())), "exit": done.returncode}, indent=2) + "\n")
    crashes = sorted(p.name for p in artifacts.iterdir())
    assert done.returncode == 0 and not crashes, f"{target}: {crashes}; " + tail(output, 60)
    assert stats.get("number_of_executed_units", 0) > 1000, tail(output)
