"""`python -m recipe check-pins`: is any bundled library behind a security release?

A wheel that carries its own curl and OpenSSL takes on their security
updates. This check lists every archive pin beside

  - the newest version its routes offer: for a Debian route, the package's
    versions in that route's suite and in unstable (their Sources indexes),
    and whether the mirror serves that version's tarball yet; for a PyPI
    route, the project's releases in the configured index; a plain URL lists
    nothing;
  - the package's versions in Debian's security suites.

and exits 1 when a bundled library (recipe/deps) is behind a security suite:

  - the suite ships a newer upstream version than the pin, or
  - it ships the pinned upstream version with stable updates on top: a
    `+debNNuM` revision, or `~debNNuM` with M >= 2 (`~debNNu1` is how Debian
    first brings a new upstream release to stable). Those are fixes, nearly
    always security fixes, that the pin lacks.

A bundled library without a Debian route cannot be checked, and an index that
cannot be read means the answer is unknown: both fail the check too, loudly.
A newer release that is not a security suite's is reported, not failed.
Debian's parsing and version ordering come from python-debian, the reference
implementation of both.
"""

from __future__ import annotations

import dataclasses
import io
import lzma
import re
import sys
import urllib.request

from . import deps, fetch, lock as lock_mod, redact
from .lock import Lock, Route, Source

SECURITY_SUITES = ("trixie-security", "bookworm-security")
UNSTABLE = "sid"  # where new upstream releases reach Debian first


@dataclasses.dataclass
class Archive:
    """Debian's archive and its security archive, as the check reads them (tests point them at loopback)."""

    mirror: str = lock_mod.DEBIAN_MIRROR
    security_mirror: str = lock_mod.DEBIAN_SECURITY_MIRROR
    security_suites: tuple[str, ...] = SECURITY_SUITES
    _indexes: dict = dataclasses.field(default_factory=dict)

    def versions(self, suite: str, package: str) -> list[str]:
        """Every version of source package `package` in `suite` (oldest first)."""
        from debian.debian_support import Version

        return sorted(self._index(suite).get(package, {}), key=Version)

    def served(self, suite: str, package: str, version: str) -> bool:
        """Whether the archive really serves that version's upstream tarball (an index
        can name files a mirror does not hold yet, or no longer)."""
        url = self._index(suite)[package][version]
        try:
            with urllib.request.urlopen(fetch.request(url, Range="bytes=0-0"), timeout=fetch.TIMEOUT):
                return True
        except OSError:
            return False

    def _index(self, suite: str) -> dict[str, dict[str, str]]:
        """package -> version -> URL of its .orig tarball, from the suite's Sources index."""
        if suite not in self._indexes:
            self._indexes[suite] = self._read(suite)
        return self._indexes[suite]

    def _read(self, suite: str) -> dict[str, dict[str, str]]:
        from debian.deb822 import Sources

        base = lock_mod.debian_archive(suite, self.mirror, self.security_mirror)
        url = f"{base}/dists/{suite}/main/source/Sources.xz"
        with urllib.request.urlopen(fetch.request(url), timeout=fetch.TIMEOUT) as resp:
            text = lzma.decompress(resp.read())
        found: dict[str, dict[str, str]] = {}
        for para in Sources.iter_paragraphs(io.BytesIO(text), use_apt_pkg=False):
            orig = [f["name"] for f in para.get("Checksums-Sha256", []) if ".orig.tar." in f["name"]
                    and not f["name"].endswith(".asc")]
            found.setdefault(para["Package"], {})[para["Version"]] = (
                f"{base}/{para['Directory']}/{orig[0]}" if orig else "")
        return found


def upstream_key(version: str):
    """A Debian version without its revision, ordered as dpkg orders it."""
    from debian.debian_support import Version

    v = Version(version)
    return Version(f"{v.epoch}:{v.upstream_version}" if v.epoch else v.upstream_version)


def carries_stable_fixes(version: str) -> bool:
    """True for a revision with stable updates on top of its upstream version."""
    from debian.debian_support import Version

    revision = Version(version).debian_revision or ""
    if re.search(r"\+deb\d+u\d+", revision):
        return True
    tilde = re.search(r"~deb\d+u(\d+)", revision)
    return bool(tilde and int(tilde.group(1)) >= 2)


def behind(pinned: str, security: str) -> str:
    """Why the Debian version `security` has what a pin at Debian version `pinned` lacks ('' if nothing)."""
    ours, theirs = upstream_key(pinned), upstream_key(security)
    if theirs > ours:
        return f"a newer upstream release ({theirs})"
    if theirs == ours and carries_stable_fixes(security):
        return f"fixes on top of {ours} (revision {security})"
    return ""


def _pypi_newest(project: str) -> str:
    from packaging.version import InvalidVersion, Version

    index = redact.url(fetch.pypi_index())
    versions = []
    for name in fetch.pypi_files(project):
        m = re.fullmatch(re.escape(project) + r"-(.+)\.tar\.gz", name)
        if m:
            try:
                versions.append(Version(m.group(1)))
            except InvalidVersion:
                pass
    if not versions:
        raise LookupError(f"no sdist of {project} listed in {index}")
    return str(max(versions))


@dataclasses.dataclass
class Row:
    name: str
    pinned: str
    offered: list[str]
    security: list[str]
    verdict: str
    failed: bool


def _debian_route(src: Source) -> Route | None:
    return next((r for r in src.get if r.kind == "debian"), None)


def check_source(src: Source, archive: Archive, bundled: bool) -> Row:
    offered, security, problems = [], [], []
    for route in src.get:
        try:
            if route.kind == "debian":
                d = dict(route.debian)
                for suite in dict.fromkeys((d["suite"], UNSTABLE)):  # the route's suite, and what comes next
                    newest = archive.versions(suite, d["package"])
                    if not newest:
                        offered.append(f"none ({suite})")
                        continue
                    missing = "" if archive.served(suite, d["package"], newest[-1]) else ", not on the mirror yet"
                    offered.append(f"{newest[-1]} ({suite}{missing})")
            elif route.kind == "pypi":
                offered.append(f"{_pypi_newest(route.pypi)} (PyPI)")
        except Exception as e:  # noqa: BLE001  a route that cannot be asked makes the answer unknown
            problems.append(f"cannot read what {route.describe()} offers: {redact.text(f'{type(e).__name__}: {e}')}")
    deb = _debian_route(src)
    if deb is None:
        verdict = "not checked: no Debian route to compare with" if bundled else "not a bundled library"
        return Row(src.name, src.version, offered, security, "; ".join(problems + [verdict]), failed=bundled)
    d = dict(deb.debian)
    reasons = []
    for suite in archive.security_suites:
        try:
            versions = archive.versions(suite, d["package"])
        except Exception as e:  # noqa: BLE001
            problems.append(f"cannot read {suite}: {redact.text(f'{type(e).__name__}: {e}')}")
            continue
        security += [f"{suite} {v}" for v in versions]
        reasons += [f"{suite} {v} has {why}{_when_pinnable(archive, suite, d['package'], v)}"
                    for v in versions if (why := behind(d["version"], v))]
    if reasons:
        return Row(src.name, src.version, offered, security, "BEHIND: " + "; ".join(reasons), failed=bundled)
    if problems:
        return Row(src.name, src.version, offered, security, "UNKNOWN: " + "; ".join(problems), failed=bundled)
    newer = [o for o in offered if o.split(" ")[0] != "none" and _newer_upstream(o.split(" ")[0], deb, src)]
    verdict = "ok" + (f" (a newer release is offered: {', '.join(newer)})" if newer else "")
    return Row(src.name, src.version, offered, security, verdict, failed=False)


def _when_pinnable(archive: Archive, suite: str, package: str, version: str) -> str:
    """Whether the fix can be pinned today: an index can name a tarball its archive does not serve yet."""
    if archive.served(suite, package, version):
        return " (served: pin it)"
    return ", whose tarball the archive does not serve yet: pin it the day it does"


def _newer_upstream(offered: str, deb: Route, src: Source) -> bool:
    try:
        return upstream_key(offered) > upstream_key(dict(deb.debian)["version"])
    except ValueError:
        return offered != src.version


def check(lock: Lock, archive: Archive) -> list[Row]:
    return [check_source(src, archive, bundled=src.name in deps.ORDER)
            for src in lock.sources.values() if src.is_archive]


def report(rows: list[Row]) -> str:
    lines = []
    for r in rows:
        lines.append(f"{r.name} {r.pinned}")
        lines.append(f"    newest offered:   {', '.join(r.offered) or '(its routes list no versions)'}")
        lines.append(f"    security suites:  {', '.join(r.security) or '-'}")
        lines.append(f"    {r.verdict}")
    return "\n".join(lines)


def main(lock: Lock, archive: Archive | None = None) -> int:
    rows = check(lock, archive or Archive())
    print(report(rows))
    behind_ = [r.name for r in rows if r.failed and r.verdict.startswith("BEHIND")]
    unknown = [r.name for r in rows if r.failed and not r.verdict.startswith("BEHIND")]
    if behind_:
        print(f"\ncheck-pins: {', '.join(behind_)} must be updated before a release (see above): pin the "
              f"fixed version in {lock.path.name}, bump build-revision, rebuild.", file=sys.stderr)
    if unknown:
        print(f"\ncheck-pins: {', '.join(unknown)} could not be checked (see above): a release waits "
              f"until they can be.", file=sys.stderr)
    if behind_ or unknown:
        return 1
    print("\ncheck-pins: no bundled library is behind a Debian security release")
    return 0
