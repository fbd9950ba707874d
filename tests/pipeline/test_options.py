"""[tool.pysam-s3]: typed, checked, and the only switch board of the recipe."""

from __future__ import annotations

import pytest
from packaging.version import Version

from recipe import buildinfo, lock, options
from recipe.errors import RecipeError


def write(tmp_path, body: str):
    p = tmp_path / "pyproject.toml"
    p.write_text("[tool.pysam-s3]\n" + body)
    return p


def test_unknown_key_is_refused(tmp_path):
    with pytest.raises(RecipeError, match="unknown key.*htslib-sauce"):
        options.load(write(tmp_path, 'htslib-sauce = "htslib"\n'))


def test_wrong_type_is_refused(tmp_path):
    with pytest.raises(RecipeError, match="build-revision must be a int"):
        options.load(write(tmp_path, 'build-revision = "1"\n'))
    with pytest.raises(RecipeError, match="must be a list of strings"):
        options.load(write(tmp_path, 'required-features = "S3"\n'))


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
def test_local_label_is_normalised(htslib, label):
    assert buildinfo.local_label(htslib, 3) == label
    Version(f"0.24.1+{label}")  # valid PEP 440
