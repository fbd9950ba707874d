"""The recipe's options: one typed, frozen object, resolved once per process
from one chain: the defaults declared here, then [tool.pysam-s3] in
pyproject.toml, then PEP 517 config settings (`-C pysam-s3.<key>=<value>`).

This module is the only reader of that table. Each field declares its allowed
values and what it means (the table in docs/building.md is generated from
them: `python -m recipe options --markdown`); unknown keys, wrong types and
values outside those allowed stop the build instead of being ignored.

`-C pysam-s3.<key>=<value>` is the one spelling of an override: `pip wheel .`,
`python -m build`, cibuildwheel's `config-settings`, and `python -m recipe
wheel|native -C ...` (what `make wheel ARCH=` passes). Values arrive as
strings: an int option takes digits, a list option takes items separated by
commas (or a JSON list). The resolved Options are passed to each step as an
argument; only the CMake boundary (recipe/backend.py -> CMakeLists.txt ->
`recipe stage --options`) carries the overrides as JSON.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from . import _toml, paths
from .errors import RecipeError
from .target import ARCHS, LIBCS, Target

CONFIG_SETTING_PREFIX = "pysam-s3."
HEADING = "==> options (defaults, then [tool.pysam-s3], then -C pysam-s3.*):\n"  # before a build's summary()


def _option(default, doc: str, choices: tuple | None = None):
    return dataclasses.field(default=default, metadata={"doc": doc, "choices": choices})


@dataclasses.dataclass(frozen=True)
class Options:
    htslib_source: str = _option(
        "htslib", "which `sources.lock.toml` entry provides htslib: `htslib` (the copy in the pysam sdist, "
        "offline), `htslib-release` (pristine upstream: its wheel passes the S3 format tests in `make test`), "
        "or your own entry (a development snapshot pinned by URL and sha256)")
    build_revision: int = _option(
        1, "the `s3rN` in the version; bump it when the recipe, patches or pins change what goes into the wheel")
    required_features: tuple[str, ...] = _option(
        ("libcurl", "S3", "GCS", "libdeflate"),
        "the feature gate: the build stops unless the built libhts reports `<name>=yes` for each")
    htslib_configure_options: tuple[str, ...] = _option((), "htslib's `./configure` options")
    compiler: str = _option(
        "auto", "`zig` (zig cc targeting `glibc` from any newer machine), `cc` (the system compiler), or "
        "`auto` (zig when this machine's glibc is newer than `glibc`, or for another machine or C library)",
        ("auto", "zig", "cc"))
    glibc: str = _option("2.28", "the oldest glibc the wheel runs on (its manylinux tag)")
    arch: str = _option(
        "auto", "the machine the wheel is for: `auto` (this one), or another (a cross build with zig, "
        "checked under qemu)", ("auto", *ARCHS))
    libc: str = _option(
        "auto", "its C library: `auto` (this machine's), `glibc` (manylinux) or `musl` (musllinux)",
        ("auto", *LIBCS))

    @property
    def target(self) -> Target:
        return Target.of(self.arch, self.libc)

    def summary(self) -> str:
        """The resolved options, one per line, as a build prints them first."""
        width = max(map(len, FIELDS))
        return "\n".join(f"  {key:{width}}  {_text(getattr(self, f.name))}" for key, f in FIELDS.items()) + \
            f"\n  {'(target)':{width}}  {self.target}"


def _key(field: dataclasses.Field) -> str:
    return field.name.replace("_", "-")


def _text(value) -> str:
    return ", ".join(value) if isinstance(value, tuple) else str(value)


FIELDS = {_key(f): f for f in dataclasses.fields(Options)}


def _check(where: str, key: str, value, name: str | None = None):
    """`value` as option `key` takes it, or a RecipeError naming `where` it came from
    (and the option as `name` spells it there: default, the key)."""
    field, name = FIELDS[key], name or key
    default = field.default
    if isinstance(default, tuple):
        if not (isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)):
            raise RecipeError(f"{where} {name} must be a list of strings")
        return tuple(value)
    if not isinstance(value, type(default)) or isinstance(value, bool) != isinstance(default, bool):
        raise RecipeError(f"{where} {name} must be a {type(default).__name__}, got {value!r}")
    choices = field.metadata["choices"]
    if choices and value not in choices:
        raise RecipeError(f"{where} {name} must be {', '.join(choices[:-1])} or {choices[-1]}, got {value!r}")
    if key == "build-revision" and value < 1:
        raise RecipeError(f"{where} {name} must be >= 1, got {value}")
    return value


def _unknown(where: str, keys: Iterable[str]) -> None:
    unknown = sorted(set(keys) - set(FIELDS))
    if unknown:
        raise RecipeError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(FIELDS))}")


def parse_config_settings(settings: Mapping) -> dict[str, object]:
    """The `pysam-s3.*` PEP 517 config settings as typed option values (strings in, types out);
    other settings are left for scikit-build-core."""
    raw = {k[len(CONFIG_SETTING_PREFIX):]: v for k, v in settings.items() if k.startswith(CONFIG_SETTING_PREFIX)}
    where = f"config setting {CONFIG_SETTING_PREFIX}"
    _unknown(f"config settings -C {CONFIG_SETTING_PREFIX}*", raw)
    values = {}
    for key, text in raw.items():
        if isinstance(text, list):  # -C given twice
            raise RecipeError(f"{where}{key} was given more than once")
        default = FIELDS[key].default
        if isinstance(default, tuple):
            text = text.strip()
            value = json.loads(text) if text.startswith("[") else [v.strip() for v in text.split(",") if v.strip()]
        elif isinstance(default, int):
            if not text.strip().isdigit():
                raise RecipeError(f"{where}{key} must be a whole number, got {text!r}")
            value = int(text)
        else:
            value = text
        values[key] = _check("config setting", key, value, CONFIG_SETTING_PREFIX + key)
    return values


def command_line_settings(pairs: Iterable[str]) -> dict[str, str | list[str]]:
    """`-C pysam-s3.<key>=<value>` arguments of `python -m recipe` as PEP 517 config settings
    (a key given twice holds a list, which parse_config_settings() refuses, as pip would)."""
    settings: dict[str, str | list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise RecipeError(f"-C {pair}: expected {CONFIG_SETTING_PREFIX}<key>=<value>")
        if not key.startswith(CONFIG_SETTING_PREFIX):
            raise RecipeError(f"-C {pair}: the recipe takes only {CONFIG_SETTING_PREFIX}* settings")
        settings[key] = [settings[key], value] if key in settings else value
    return settings


def parse_command_line(pairs: Iterable[str]) -> dict[str, object]:
    """`-C pysam-s3.<key>=<value>` arguments of `python -m recipe` as typed option values."""
    return parse_config_settings(command_line_settings(pairs))


def overrides_json(overrides: Mapping[str, object]) -> str:
    """Overrides as JSON, for the CMake boundary (`recipe stage --options`)."""
    return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()}, sort_keys=True)


def load(pyproject: Path = paths.PYPROJECT, overrides: Mapping[str, object] | None = None) -> Options:
    """Options from the chain: defaults, pyproject's [tool.pysam-s3], then `overrides`
    (typed values by key, from parse_config_settings() or overrides_json())."""
    with open(pyproject, "rb") as f:
        table = _toml.load(f).get("tool", {}).get("pysam-s3", {})
    _unknown(f"{pyproject} [tool.pysam-s3]", table)
    values = {FIELDS[key].name: _check(f"{pyproject}: [tool.pysam-s3]", key, value) for key, value in table.items()}
    overrides = dict(overrides or {})
    _unknown("option overrides", overrides)
    values.update({FIELDS[key].name: _check("option override", key, value) for key, value in overrides.items()})
    return Options(**values)


# --- the PEP 517 hooks -------------------------------------------------------
# scikit-build-core calls the version provider (recipe/version.py) inside our
# backend's hook and gives it no config settings, so the hook lends it the
# Options it resolved for the length of the call.
_in_hook: contextvars.ContextVar[Options | None] = contextvars.ContextVar("pysam_s3_options", default=None)


@contextlib.contextmanager
def lent_to_hook(options: Options):
    token = _in_hook.set(options)
    try:
        yield
    finally:
        _in_hook.reset(token)


def of_this_hook() -> Options:
    """The Options the backend's hook resolved (pyproject.toml's outside a hook)."""
    return _in_hook.get() or load()


# --- docs/building.md --------------------------------------------------------
DOCS_TABLE_START = "<!-- options table: generated by `python -m recipe options --markdown` -->"
DOCS_TABLE_END = "<!-- end of the options table -->"


def markdown_table(pyproject: Path = paths.PYPROJECT) -> str:
    """The options table of docs/building.md: each key, its default, this project's
    pyproject.toml value where it differs, and what it means."""
    written = load(pyproject)
    rows = ["| key | default | in `pyproject.toml` | allowed | meaning |", "|---|---|---|---|---|"]
    for key, field in FIELDS.items():
        default, value, choices = field.default, getattr(written, field.name), field.metadata["choices"]
        allowed = " ".join(f"`{c}`" for c in choices) if choices else _kind(default)
        rows.append(f"| `{key}` | {_cell(default)} | {_cell(value) if value != default else '(default)'} "
                    f"| {allowed} | {field.metadata['doc']} |")
    return "\n".join([DOCS_TABLE_START, *rows, DOCS_TABLE_END])


def _kind(default) -> str:
    if isinstance(default, tuple):
        return "strings"
    return "a whole number >= 1" if isinstance(default, int) else "a string"


def _cell(value) -> str:
    if isinstance(value, tuple):
        return " ".join(f"`{v}`" for v in value) if value else "(none)"
    return f"`{json.dumps(value)}`"
