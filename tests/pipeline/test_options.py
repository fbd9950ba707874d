"""[tool.pysam-s3]: typed, checked, and the only switch board of the recipe."""

from __future__ import annotations

import json

import pytest
from packaging.version import Version

from recipe import buildinfo, lock, options
from recipe.errors import RecipeError


def write(tmp_path, body: str):
    p = tmp_path / "pyproject.toml"
    p.write_text("[tool.pysam-s3]\n" + body)
    return p


@pytest.mark.unit
def test_unknown_key_is_refused(tmp_path):
    with pytest.raises(RecipeError, match="unknown key.*htslib-sauce"):
        options.load(write(tmp_path, 'htslib-sauce = "htslib"\n'))


@pytest.mark.unit
def test_wrong_type_is_refused(tmp_path):
    with pytest.raises(RecipeError, match="build-revision must be a int"):
        options.load(write(tmp_path, 'build-revision = "1"\n'))
    with pytest.raises(RecipeError, match="must be a list of strings"):
        options.load(write(tmp_path, 'required-features = "S3"\n'))


@pytest.mark.unit
def test_version_is_pep440_with_a_local_label_naming_the_htslib_pin():
    lk, opts = lock.load(), options.load()
    version = buildinfo.wheel_version(lk, opts)
    v = Version(version)
    assert v.public == lk["pysam"].version
    assert v.local == f"htslib{lk[opts.htslib_source].version}.s3r{opts.build_revision}"


@pytest.mark.parametrize("htslib, label", [
    ("1.24", "htslib1.24.s3r3"),
    ("1.24-12-gabc1234", "htslib1.24.12.gabc1234.s3r3"),
    ("1.25.dev20261101+abc", "htslib1.25.dev20261101.abc.s3r3"),
])
@pytest.mark.unit
def test_local_label_is_normalised(htslib, label):
    assert buildinfo.local_label(htslib, 3) == label
    Version(f"0.24.1+{label}")  # valid PEP 440


# --- overrides through PEP 517 config settings (-C pysam-s3.<option>=...) -----

@pytest.mark.unit
def test_config_settings_are_typed_and_checked():
    parsed = options.parse_config_settings({
        "pysam-s3.htslib-source": "htslib-release", "pysam-s3.build-revision": "4",
        "pysam-s3.required-features": "libcurl, S3", "pysam-s3.htslib-configure-options": '["--enable-s3"]',
        "cmake.define.OTHER": "left for scikit-build-core"})
    assert parsed == {"htslib-source": "htslib-release", "build-revision": 4,
                      "required-features": ("libcurl", "S3"), "htslib-configure-options": ("--enable-s3",)}
    with pytest.raises(RecipeError, match=r"unknown key\(s\) build-revison; known: arch, build-revision"):
        options.parse_config_settings({"pysam-s3.build-revison": "4"})
    with pytest.raises(RecipeError, match="pysam-s3.build-revision must be a whole number, got 'four'"):
        options.parse_config_settings({"pysam-s3.build-revision": "four"})
    with pytest.raises(RecipeError, match="pysam-s3.glibc was given more than once"):
        options.parse_config_settings({"pysam-s3.glibc": ["2.28", "2.17"]})


@pytest.mark.unit
def test_overrides_come_last_in_the_chain_and_are_checked():
    written = options.load()
    overridden = options.load(overrides={"build-revision": written.build_revision + 5, "compiler": "cc"})
    assert (overridden.build_revision, overridden.compiler) == (written.build_revision + 5, "cc")
    assert overridden.htslib_configure_options == written.htslib_configure_options  # the rest: pyproject's
    assert options.load() == written  # nothing kept between calls
    with pytest.raises(RecipeError, match="compiler must be auto, zig or cc, got 'gcc'"):
        options.load(overrides={"compiler": "gcc"})
    with pytest.raises(RecipeError, match="build-revision must be >= 1, got 0"):
        options.load(overrides={"build-revision": 0})
    serialized = options.overrides_json({"required-features": ("S3",), "build-revision": 7})
    assert options.load(overrides=json.loads(serialized)).required_features == ("S3",)


@pytest.mark.unit
def test_the_command_line_takes_the_same_config_settings():
    assert options.parse_command_line(["pysam-s3.arch=aarch64", "pysam-s3.build-revision=9"]) == {
        "arch": "aarch64", "build-revision": 9}
    with pytest.raises(RecipeError, match="pysam-s3.arch was given more than once"):
        options.parse_command_line(["pysam-s3.arch=aarch64", "pysam-s3.arch=x86_64"])
    with pytest.raises(RecipeError, match="the recipe takes only pysam-s3.. settings"):
        options.parse_command_line(["cmake.define.X=1"])


@pytest.mark.unit
def test_the_docs_table_is_the_one_the_model_generates():
    """docs/building.md's options table cannot drift: regenerate it with
    `python -m recipe options --markdown` when an option changes."""
    from tests.conftest import ROOT
    docs, table = (ROOT / "docs" / "building.md").read_text(), options.markdown_table()
    assert table in docs, "docs/building.md: paste `python -m recipe options --markdown`"
    for key in options.FIELDS:
        assert f"| `{key}` |" in table


BACKEND_METADATA = """
import pathlib, sys, tempfile
import recipe.backend as backend
out = tempfile.mkdtemp()
settings = dict(arg.split("=", 1) for arg in sys.argv[1:])
name = backend.prepare_metadata_for_build_wheel(out, settings)
print(next(l for l in (pathlib.Path(out) / name / "METADATA").read_text().splitlines() if l.startswith("Version:")))
"""


@pytest.mark.timeout(120)
def test_the_backend_takes_options_as_config_settings(project):
    """`pip wheel . -C pysam-s3.build-revision=42` (what the backend sees): the version says so;
    a misspelt option stops the build naming the known ones."""
    import subprocess
    import sys

    from recipe import venvs

    python = venvs.build_env(sys.executable)  # scikit-build-core is there, as in a PEP 517 build
    revision = options.load().build_revision

    def metadata(*settings):
        return subprocess.run([str(python), "-c", BACKEND_METADATA, *settings], cwd=project, capture_output=True,
                              text=True, timeout=90)

    plain, overridden, misspelt = (metadata(), metadata("pysam-s3.build-revision=42"),
                                   metadata("pysam-s3.build-revison=42"))
    # the last line: scikit-build-core says who it is first
    assert plain.stdout.splitlines()[-1] == f"Version: 0.24.1+htslib1.24.s3r{revision}", plain.stderr
    assert overridden.stdout.splitlines()[-1] == "Version: 0.24.1+htslib1.24.s3r42", overridden.stderr
    assert misspelt.returncode != 0
    assert "unknown key(s) build-revison; known: arch, build-revision" in misspelt.stderr
