"""The patch series: ordered, each with a purpose and a test, applied strictly."""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile

import pytest

from recipe import patches
from recipe.errors import RecipeError
from tests.conftest import ROOT

from .conftest import recipe

SERIES = sorted(p.parent.name for p in (ROOT / "patches").glob("*/series"))


@pytest.mark.unit
@pytest.mark.parametrize("source", SERIES)
def test_every_patch_has_a_purpose_and_an_existing_test(source):
    for patch in patches.series(source):
        assert len(patch.purpose) > 10, patch.path
        assert patch.test, f"{patch.path.name} names no 'Test:'"
        file, _, name = patch.test.partition("::")
        test_file = ROOT / file
        assert test_file.exists(), patch.test
        assert re.search(rf"def {re.escape(name)}\b", test_file.read_text()), patch.test


@pytest.mark.unit
@pytest.mark.parametrize("source", SERIES)
def test_every_c_test_a_patch_names_is_added_by_the_series(source):
    """'C test: test/FILE.c::FUNCTION': a test/*.c file some patch of the series
    adds, defining that function (make check runs it: tests/htslib_trees.py)."""
    listed = patches.series(source)
    added = {}  # test/FILE.c -> the lines the series adds to it
    for patch in listed:
        for file, body in re.findall(r"^\+\+\+ b/(test/\S+\.c)\n(.*?)(?=^--- |\Z)", patch.path.read_text(), re.M | re.S):
            added[file] = added.get(file, "") + body
    named = [(patch, c_test) for patch in listed for c_test in patch.c_tests]
    if source.startswith("htslib"):
        assert len(named) >= 10, "the C unit tests name the patches they cover"
    for patch, c_test in named:
        file, _, name = c_test.partition("::")
        assert file in added, f"{patch.path.name}: no patch adds {file}"
        assert re.search(rf"^\+static void {re.escape(name)}\(void\)", added[file], re.M), f"{patch.path.name}: {c_test}"


def test_a_patch_that_does_not_apply_stops_the_build_and_is_named(project):
    broken = project / "patches" / "htslib" / "0099-broken.patch"
    broken.write_text(
        "Change a line that is not there.\n\n"
        "--- a/hts.c\n+++ b/hts.c\n@@ -1,3 +1,3 @@\n-no such line one\n-no such line two\n"
        "-no such line three\n+x\n+y\n+z\n"
    )
    with open(project / "patches" / "htslib" / "series", "a") as f:
        f.write("0099-broken.patch\n")

    proc = recipe(project, "fetch", "htslib")

    assert proc.returncode == 1
    assert "patch patches/htslib/0099-broken.patch does not apply to htslib" in proc.stderr
    assert "Its purpose: Change a line that is not there." in proc.stderr
    assert "FAILED" in proc.stdout


def series_folder(tmp_path, series: str, patch: str):
    d = tmp_path / "demo"
    d.mkdir()
    (d / "series").write_text(series)
    (d / "0001-x.patch").write_text(patch)
    return d


@pytest.mark.unit
def test_a_patch_missing_from_the_series_is_an_error(tmp_path):
    d = series_folder(tmp_path, "", "Purpose line.\n")
    with pytest.raises(RecipeError, match="not listed in the series: 0001-x.patch"):
        patches.series("demo", d)


@pytest.mark.unit
def test_a_patch_without_a_purpose_is_an_error(tmp_path):
    d = series_folder(tmp_path, "0001-x.patch\n", "--- a/x\n+++ b/x\n")
    with pytest.raises(RecipeError, match="must state the patch's purpose"):
        patches.series("demo", d)


# --- tests named by the patches themselves -------------------------------

@pytest.mark.timeout(120)
def test_htslib_sources_compile_without_pysam_tree(tmp_path):
    """patches/htslib/0001: hfile_libcurl.c and hfile_s3.c compile outside pysam's tree.

    Unpatched, they include ../pysam/dynamic_*.h, which exist only in pysam's sdist."""
    tree = ROOT / "vendor" / "htslib" / "src"
    work = tmp_path / "htslib"
    shutil.copytree(tree, work)
    (work / "config.h").write_text("#define HAVE_HMAC 1\n#define HAVE_LIBCURL 1\n#define ENABLE_S3 1\n")
    curl_headers = [f"-I{d}" for d in sorted((ROOT / "build" / "native").glob("*/deps/include"))[:1]]
    for source in ("hfile_libcurl.c", "hfile_s3.c"):
        text = (work / source).read_text()
        assert "../pysam/" not in text
        proc = subprocess.run(["gcc", "-fsyntax-only", "-I.", "-Ihtscodecs", *curl_headers, source], cwd=work,
                              capture_output=True, text=True, timeout=50)
        assert proc.returncode == 0, proc.stderr


@pytest.mark.timeout(300)
def test_libdeflate_x86_code_compiles_with_the_toolchain(tmp_path):
    """patches/libdeflate/0001: libdeflate's AVX-512 CRC32/Adler-32 code compiles with
    zig's clang 22, which no longer knows the "evex512" target feature.

    The unpatched file is compiled too, to show the patch is still needed."""
    from recipe import toolchain
    cc = toolchain.zig("2.28", home=tmp_path / "toolchain").cc  # not build/native: this venv's zig
    tree = ROOT / "vendor" / "libdeflate" / "src"
    unpatched = tmp_path / "unpatched"
    shutil.copytree(tree, unpatched)
    patch = patches.series("libdeflate")[0].path
    subprocess.run(["patch", "-R", "-p1", "-s", "-i", str(patch)], cwd=unpatched, check=True, timeout=30)

    def compile_crc32(root):
        return subprocess.run([cc, "-O2", "-c", "-o", str(tmp_path / "crc32.o"), "lib/crc32.c"],
                              cwd=root, capture_output=True, text=True, timeout=120)

    patched = compile_crc32(tree)
    assert patched.returncode == 0, patched.stderr[-2000:]
    before = compile_crc32(unpatched)
    assert before.returncode != 0 and "requires target feature" in before.stderr, before.stderr[-2000:]


# libcurl functions newer than 7.18 (symbols-in-versions lists macros and enums
# only), from curl's man pages ("Added in")
CURL_FUNCTIONS = {"curl_multi_wait": "7.28.0", "curl_multi_poll": "7.66.0", "curl_multi_wakeup": "7.68.0",
                  "curl_easy_upkeep": "7.62.0", "curl_url": "7.62.0", "curl_mime_init": "7.56.0",
                  "curl_global_sslset": "7.56.0", "curl_easy_option_by_name": "7.73.0",
                  "curl_easy_header": "7.83.0", "curl_ws_recv": "7.86.0", "curl_ws_send": "7.86.0"}
VERSION_GUARD = re.compile(r"#\s*(if|elif)\s+LIBCURL_VERSION_NUM\s*(>=|<)\s*0x([0-9a-fA-F]{6})")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("."))


def libcurl_uses(source: str) -> list[tuple[int, str, tuple[int, ...]]]:
    """(line, symbol, the newest libcurl the line may assume) for each libcurl
    symbol used outside comments and strings: code under `#if
    LIBCURL_VERSION_NUM >= X` may assume X, any other only configure's minimum
    (an `#else` or `< X` branch is for older ones). Symbols the file #defines
    itself, or tests with #ifdef, count as there."""
    source = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), source, flags=re.S)
    defined = set(re.findall(r"#\s*(?:define|ifdef|ifndef)\s+(CURL\w+)", source))
    stack: list[tuple[int, ...] | None] = []
    uses = []
    for number, line in enumerate(source.splitlines(), 1):
        directive = line.strip()
        guard = VERSION_GUARD.match(directive)
        if guard:
            hexa = guard.group(3)
            version = (int(hexa[:2], 16), int(hexa[2:4], 16), int(hexa[4:], 16)) if guard.group(2) == ">=" else None
            if guard.group(1) == "if":
                stack.append(version)
            else:
                stack[-1] = version
            continue
        if directive.startswith(("#if", "#ifdef", "#ifndef")):
            stack.append(None)
        elif directive.startswith("#else") and stack:
            stack[-1] = None
        elif directive.startswith("#endif") and stack:
            stack.pop()
        if directive.startswith("#"):
            continue
        code = re.sub(r'"(\\.|[^"\\])*"', '""', line.split("//")[0])
        allowed = max((v for v in stack if v), default=())
        for symbol in re.findall(r"\b(CURL[A-Z0-9_]+|curl_[a-z_]+)\b", code):
            if symbol not in defined:
                uses.append((number, symbol, allowed))
    return uses


def test_libcurl_symbols_are_within_what_configure_accepts(tmp_path):
    """configure accepts libcurl 7.18: whatever the series' network code uses
    of a newer libcurl is under a LIBCURL_VERSION_NUM guard (curl_multi_poll
    came in 7.66, the proxy CA options in 7.52)."""
    minimum = _version(re.search(r"library is too old \((\d+\.\d+)\+ required\)",
                                 (ROOT / "vendor/htslib/src/configure.ac").read_text()).group(1) + ".0")
    curl = next((ROOT / "build" / "downloads").glob("curl-*.tar.*"))
    with tarfile.open(curl) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("docs/libcurl/symbols-in-versions"))
        table = tar.extractfile(member).read().decode()
    added = {f[0]: _version(f[1]) for f in (line.split() for line in table.splitlines())
             if len(f) >= 2 and re.match(r"(CURL|curl)", f[0]) and re.match(r"\d", f[1])}
    added.update({name: _version(v) for name, v in CURL_FUNCTIONS.items()})
    too_new = []
    for name in ("hfile_s3.c", "hfile_libcurl.c", "hfile_gcs.c", "hfile_curl_ca.h"):
        for line, symbol, allowed in libcurl_uses((ROOT / "vendor/htslib/src" / name).read_text()):
            needs = added.get(symbol, ())
            if needs > max(minimum, allowed):
                too_new.append(f"{name}:{line} {symbol} (libcurl {'.'.join(map(str, needs))})")
    assert not too_new, "unguarded, newer than configure's minimum: " + ", ".join(too_new)
