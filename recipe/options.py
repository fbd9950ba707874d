"""The recipe's options: [tool.pysam-s3] in pyproject.toml, typed and checked.

This module is the only reader of that table. Unknown keys and wrong types
stop the build instead of being ignored.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from . import _toml, paths
from .errors import RecipeError


@dataclasses.dataclass(frozen=True)
class Options:
    htslib_source: str = "htslib"
    build_revision: int = 1
    required_features: tuple[str, ...] = ("libcurl", "S3", "GCS", "libdeflate")
    htslib_configure_options: tuple[str, ...] = ()
    # "auto": zig targeting `glibc` when the machine's glibc is newer, else the system cc
    compiler: str = "auto"
    glibc: str = "2.28"


def _key(field: dataclasses.Field) -> str:
    return field.name.replace("_", "-")


def load(pyproject: Path = paths.PYPROJECT) -> Options:
    with open(pyproject, "rb") as f:
        table = _toml.load(f).get("tool", {}).get("pysam-s3", {})
    fields = {_key(f): f for f in dataclasses.fields(Options)}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise RecipeError(
            f"{pyproject}: unknown key(s) in [tool.pysam-s3]: {', '.join(unknown)}; "
            f"known: {', '.join(sorted(fields))}"
        )
    values = {}
    for key, value in table.items():
        field = fields[key]
        default = field.default
        if isinstance(default, tuple):
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise RecipeError(f"{pyproject}: [tool.pysam-s3] {key} must be a list of strings")
            value = tuple(value)
        elif not isinstance(value, type(default)) or isinstance(value, bool) != isinstance(default, bool):
            raise RecipeError(
                f"{pyproject}: [tool.pysam-s3] {key} must be a {type(default).__name__}, got {value!r}"
            )
        values[field.name] = value
    options = Options(**values)
    if options.build_revision < 1:
        raise RecipeError(f"{pyproject}: [tool.pysam-s3] build-revision must be >= 1")
    if options.compiler not in ("auto", "zig", "cc"):
        raise RecipeError(f"{pyproject}: [tool.pysam-s3] compiler must be auto, zig or cc, got {options.compiler!r}")
    return options
