"""sources.lock.toml, parsed into typed entries and checked for consistency."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Optional

from . import _toml, paths, redact
from .errors import RecipeError

ROUTE_KINDS = ("url", "pypi", "debian")
DEBIAN_KEYS = {"suite", "package", "version", "file"}


@dataclasses.dataclass(frozen=True)
class Route:
    """One way to obtain an archive: kind is 'url', 'pypi' or 'debian'."""

    kind: str
    url: str = ""
    pypi: str = ""
    debian: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        if self.kind == "url":
            return redact.url(self.url)
        if self.kind == "pypi":
            return f"PyPI project {self.pypi!r}"
        d = dict(self.debian)
        return f"Debian {d['suite']} source {d['package']} {d['version']} ({d['file']})"

    def address(self) -> str:
        """Where the route leads, as a URL (for the build info and the SBOM)."""
        if self.kind == "url":
            return redact.url(self.url)
        if self.kind == "pypi":
            return f"https://pypi.org/project/{self.pypi}/"
        d = dict(self.debian)
        return debian_pool_url(d["suite"], d["package"], d["file"])


DEBIAN_MIRROR = "http://deb.debian.org/debian"
DEBIAN_SECURITY_MIRROR = "http://deb.debian.org/debian-security"


def is_security_suite(suite: str) -> bool:
    return suite.endswith("-security")


def debian_archive(suite: str, mirror: str = DEBIAN_MIRROR, security_mirror: str = DEBIAN_SECURITY_MIRROR) -> str:
    """Which of Debian's two archives serves a suite: a security suite's is the security archive."""
    return security_mirror if is_security_suite(suite) else mirror


def debian_pool_path(suite: str, package: str, file: str) -> str:
    """Where in its archive a suite keeps a source package's file (the place apt-get source reads):
    the security archive keeps its pool under pool/updates."""
    prefix = package[:4] if package.startswith("lib") else package[0]
    pool = "pool/updates/main" if is_security_suite(suite) else "pool/main"
    return f"{pool}/{prefix}/{package}/{file}"


def debian_pool_url(suite: str, package: str, file: str) -> str:
    return f"{debian_archive(suite)}/{debian_pool_path(suite, package, file)}"


@dataclasses.dataclass(frozen=True)
class Overlay:
    source: str
    into: str


@dataclasses.dataclass(frozen=True)
class Source:
    name: str
    version: str
    license: str = ""
    homepage: str = ""
    # an archive of its own ...
    file: str = ""
    sha256: str = ""
    strip_components: int = 0
    get: tuple[Route, ...] = ()
    # ... or a folder inside another source's tree
    from_: Optional[str] = None
    subdir: str = ""
    autoreconf: bool = False
    overlay: tuple[Overlay, ...] = ()
    patches: str = ""  # the patches/<folder> whose series applies; default: the entry's name
    license_files: tuple[str, ...] = ()  # license texts inside the unpacked tree, shipped in the wheel
    license_dir: str = ""  # the folder under licenses/ with their committed copies; default: the entry's name

    @property
    def is_archive(self) -> bool:
        return self.from_ is None

    @property
    def series(self) -> str:
        return self.patches or self.name


@dataclasses.dataclass(frozen=True)
class Lock:
    path: Path
    sources: dict[str, Source]

    def __getitem__(self, name: str) -> Source:
        try:
            return self.sources[name]
        except KeyError:
            raise RecipeError(
                f"{self.path}: no [sources.{name}] entry; entries: {', '.join(sorted(self.sources))}"
            ) from None

    def closure(self, name: str) -> list[Source]:
        """The source and everything it is made from (its 'from' and overlays), dependencies first."""
        out: list[Source] = []
        src = self[name]
        if src.from_:
            out += self.closure(src.from_)
        for ov in src.overlay:
            out += self.closure(ov.source)
        out.append(src)
        seen, unique = set(), []
        for s in out:
            if s.name not in seen:
                seen.add(s.name)
                unique.append(s)
        return unique


def _route(where: str, raw: dict) -> Route:
    kinds = [k for k in ROUTE_KINDS if k in raw]
    if len(kinds) != 1 or set(raw) - set(ROUTE_KINDS):
        raise RecipeError(f"{where}: each 'get' route needs exactly one of {', '.join(ROUTE_KINDS)}, got {raw}")
    kind = kinds[0]
    if kind == "debian":
        deb = raw["debian"]
        if not isinstance(deb, dict) or set(deb) != DEBIAN_KEYS:
            raise RecipeError(f"{where}: a debian route needs exactly {sorted(DEBIAN_KEYS)}, got {deb}")
        return Route("debian", debian=tuple(sorted(deb.items())))
    return Route(kind, **{kind: raw[kind]})


def _source(lock_path: Path, name: str, raw: dict) -> Source:
    where = f"{lock_path} [sources.{name}]"
    known = {"version", "license", "homepage", "file", "sha256", "strip-components", "get",
             "from", "subdir", "autoreconf", "overlay", "patches", "license-files", "license-dir"}
    unknown = set(raw) - known
    if unknown:
        raise RecipeError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if "version" not in raw:
        raise RecipeError(f"{where}: 'version' is required")
    src = Source(
        name=name,
        version=str(raw["version"]),
        license=raw.get("license", ""),
        homepage=raw.get("homepage", ""),
        file=raw.get("file", ""),
        sha256=raw.get("sha256", "").lower(),
        strip_components=int(raw.get("strip-components", 0)),
        get=tuple(_route(where, r) for r in raw.get("get", [])),
        from_=raw.get("from"),
        subdir=raw.get("subdir", ""),
        autoreconf=bool(raw.get("autoreconf", False)),
        overlay=tuple(Overlay(o["source"], o["into"]) for o in raw.get("overlay", [])),
        patches=raw.get("patches", ""),
        license_files=tuple(raw.get("license-files", [])),
        license_dir=raw.get("license-dir", ""),
    )
    if src.is_archive:
        if not (src.file and src.get):
            raise RecipeError(f"{where}: an archive entry needs 'file', 'sha256' and at least one 'get' route")
        if not re.fullmatch(r"[0-9a-f]{64}", src.sha256):
            raise RecipeError(f"{where}: sha256 must be 64 hex digits, got {src.sha256!r}")
    elif src.file or src.sha256 or src.get or not src.subdir:
        raise RecipeError(f"{where}: an entry with 'from' takes a 'subdir' and no file/sha256/get of its own")
    return src


def load(path: Path = paths.LOCK) -> Lock:
    try:
        with open(path, "rb") as f:
            data = _toml.load(f)
    except _toml.TOMLDecodeError as e:
        raise RecipeError(f"{path}: not valid TOML: {e}") from None
    if data.get("schema") != 1:
        raise RecipeError(f"{path}: expected 'schema = 1'")
    sources = {name: _source(path, name, raw) for name, raw in data.get("sources", {}).items()}
    lock = Lock(path, sources)
    for src in sources.values():
        for dep in ([src.from_] if src.from_ else []) + [o.source for o in src.overlay]:
            lock[dep]  # raises a clear error for a dangling reference
    return lock
