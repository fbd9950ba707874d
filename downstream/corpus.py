"""downstream/corpus.toml: the packages, typed and checked."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from recipe import _toml, lock as lock_mod
from recipe.errors import RecipeError
from recipe.lock import Source

CORPUS = Path(__file__).resolve().parent / "corpus.toml"
TEST_KEYS = {"repository", "tag", "commit", "take", "pytest", "left-out"}


@dataclasses.dataclass(frozen=True)
class Tests:
    repository: str
    tag: str
    commit: str
    take: tuple[str, ...]
    pytest: tuple[str, ...]
    left_out: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Package:
    sdist: Source
    tests: Tests

    @property
    def name(self) -> str:
        return self.sdist.name


def _tests(name: str, raw: dict) -> Tests:
    where = f"{CORPUS} [tests.{name}]"
    unknown, missing = set(raw) - TEST_KEYS, TEST_KEYS - {"left-out"} - set(raw)
    if unknown or missing:
        raise RecipeError(f"{where}: " + "; ".join(
            ([f"unknown key(s) {', '.join(sorted(unknown))}"] if unknown else [])
            + ([f"missing {', '.join(sorted(missing))}"] if missing else [])))
    if not re.fullmatch(r"[0-9a-f]{40}", raw["commit"]):
        raise RecipeError(f"{where}: commit must be a full 40-digit hash, got {raw['commit']!r}")
    return Tests(raw["repository"], raw["tag"], raw["commit"], tuple(raw["take"]), tuple(raw["pytest"]),
                 tuple(raw.get("left-out", ())))


def load(path: Path = CORPUS) -> list[Package]:
    sdists = lock_mod.load(path)
    with open(path, "rb") as f:
        tests = _toml.load(f).get("tests", {})
    if set(tests) != set(sdists.sources):
        raise RecipeError(f"{path}: every [sources.NAME] needs its [tests.NAME] and the reverse "
                          f"(sources: {sorted(sdists.sources)}, tests: {sorted(tests)})")
    return [Package(sdists[name], _tests(name, tests[name])) for name in sdists.sources]
