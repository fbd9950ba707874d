"""The recipe's options: [tool.pysam-s3] in pyproject.toml, typed and checked,
and overridable per build through PEP 517 config settings.

This module is the only reader of that table. Unknown keys and wrong types
stop the build instead of being ignored.

Overrides: `pip wheel . -C pysam-s3.htslib-source=htslib-release` (also
`python -m build -C...` and cibuildwheel's `config-settings`). The backend
(recipe/backend.py) takes the `pysam-s3.*` settings out before scikit-build-core
sees them, checks them here, applies them to this process (where the version
provider runs) and hands them on to the build (`recipe stage --options`).
Values arrive as strings: an int option takes digits, a list option takes
items separated by commas (or a JSON list).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path

from . import _toml, paths
from .errors import RecipeError

CONFIG_SETTING_PREFIX = "pysam-s3."
# The machines a wheel can be built for (cross builds use zig).
ARCHS = ("x86_64", "aarch64")


@dataclasses.dataclass(frozen=True)
class Options:
    htslib_source: str = "htslib"
    build_revision: int = 1
    required_features: tuple[str, ...] = ("libcurl", "S3", "GCS", "libdeflate")
    htslib_configure_options: tuple[str, ...] = ()
    # "auto": zig targeting `glibc` when the machine's glibc is newer, else the system cc
    compiler: str = "auto"
    glibc: str = "2.28"
    # the machine the wheel is for: "auto" (this one) or x86_64/aarch64 (a cross build with zig)
    arch: str = "auto"
    # its C library: "auto" (this machine's), glibc (manylinux) or musl (musllinux)
    libc: str = "auto"


def _key(field: dataclasses.Field) -> str:
    return field.name.replace("_", "-")


FIELDS = {_key(f): f for f in dataclasses.fields(Options)}

# Overrides in force in this process (set_overrides); empty: pyproject.toml as written.
_overrides: dict[str, object] = {}


def _check(where: str, key: str, value):
    """`value` as option `key` takes it, or a RecipeError naming `where` it came from."""
    field = FIELDS[key]
    default = field.default
    if isinstance(default, tuple):
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise RecipeError(f"{where} {key} must be a list of strings")
        return tuple(value)
    if not isinstance(value, type(default)) or isinstance(value, bool) != isinstance(default, bool):
        raise RecipeError(f"{where} {key} must be a {type(default).__name__}, got {value!r}")
    return value


def _unknown(where: str, keys) -> None:
    unknown = sorted(set(keys) - set(FIELDS))
    if unknown:
        raise RecipeError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(FIELDS))}")


def parse_config_settings(settings: dict) -> dict[str, object]:
    """The `pysam-s3.*` PEP 517 config settings as typed option values (strings in, types out)."""
    raw = {k[len(CONFIG_SETTING_PREFIX):]: v for k, v in settings.items() if k.startswith(CONFIG_SETTING_PREFIX)}
    where = "config setting"
    _unknown(f"{where}s -C {CONFIG_SETTING_PREFIX}*", raw)
    values = {}
    for key, text in raw.items():
        if isinstance(text, list):  # -C given twice
            raise RecipeError(f"{where} {CONFIG_SETTING_PREFIX}{key} was given more than once")
        default = FIELDS[key].default
        if isinstance(default, tuple):
            text = text.strip()
            value = json.loads(text) if text.startswith("[") else [v.strip() for v in text.split(",") if v.strip()]
        elif isinstance(default, int):
            if not text.strip().isdigit():
                raise RecipeError(f"{where} {CONFIG_SETTING_PREFIX}{key} must be a whole number, got {text!r}")
            value = int(text)
        else:
            value = text
        values[key] = _check(f"{where} {CONFIG_SETTING_PREFIX}", key, value)
    return values


def set_overrides(values: dict[str, object]) -> None:
    """Options that replace pyproject.toml's for the rest of this process."""
    _unknown("option overrides", values)
    _overrides.clear()
    _overrides.update({k: _check("option override", k, list(v) if isinstance(v, tuple) else v)
                       for k, v in values.items()})


@contextlib.contextmanager
def overridden(values: dict[str, object]):
    """set_overrides(values) for a `with` block; the overrides before it come back after."""
    before = overrides()
    set_overrides(values)
    try:
        yield
    finally:
        set_overrides(before)


def overrides() -> dict[str, object]:
    """The overrides in force, JSON-ready (to hand on to a subprocess: `recipe stage --options`)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in _overrides.items()}


def load(pyproject: Path = paths.PYPROJECT) -> Options:
    with open(pyproject, "rb") as f:
        table = _toml.load(f).get("tool", {}).get("pysam-s3", {})
    _unknown(f"{pyproject} [tool.pysam-s3]", table)
    values = {FIELDS[key].name: _check(f"{pyproject}: [tool.pysam-s3]", key, value) for key, value in table.items()}
    values.update({FIELDS[key].name: value for key, value in _overrides.items()})
    options = Options(**values)
    where = f"{pyproject}: [tool.pysam-s3]" + (" with the overrides " + json.dumps(overrides()) if _overrides else "")
    if options.build_revision < 1:
        raise RecipeError(f"{where}: build-revision must be >= 1")
    if options.compiler not in ("auto", "zig", "cc"):
        raise RecipeError(f"{where}: compiler must be auto, zig or cc, got {options.compiler!r}")
    if options.arch not in ("auto", *ARCHS):
        raise RecipeError(f"{where}: arch must be auto, {' or '.join(ARCHS)}, got {options.arch!r}")
    if options.libc not in ("auto", "glibc", "musl"):
        raise RecipeError(f"{where}: libc must be auto, glibc or musl, got {options.libc!r}")
    return options
