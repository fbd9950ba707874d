"""`python -m recipe check-pins`, the release gate against a stale network stack:
against a Debian archive, a Debian security archive and a package index, all
served from 127.0.0.1 with indexes the tests write."""

from __future__ import annotations

import hashlib
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recipe import freshness, lock as lock_mod
from testkit.files import FileServer
from tests.conftest import ROOT

pytestmark = pytest.mark.unit  # make unit: no wheel, no build, no download


class FakeDebian:
    """Sources.xz indexes for the suites given, and the .orig tarballs they name."""

    def __init__(self, root: Path):
        self.root = root
        self.suites: dict[str, list[tuple[str, str, str]]] = {}  # suite -> (package, version, orig file)

    def add(self, suite: str, package: str, version: str, orig: str, served: bool = True) -> None:
        self.suites.setdefault(suite, []).append((package, version, orig))
        if served:
            pool = self.root / lock_mod.debian_pool_path(suite, package, orig)
            pool.parent.mkdir(parents=True, exist_ok=True)
            pool.write_bytes(b"tarball")

    def write(self) -> None:
        for suite, entries in self.suites.items():
            paragraphs = []
            for package, version, orig in entries:
                directory = lock_mod.debian_pool_path(suite, package, orig)
                dsc = f"{package}_{version.split(':')[-1]}.dsc"
                paragraphs.append(
                    f"Package: {package}\nVersion: {version}\nDirectory: {directory.rsplit('/', 1)[0]}\n"
                    f"Checksums-Sha256:\n {hashlib.sha256(dsc.encode()).hexdigest()} 100 {dsc}\n"
                    f" {hashlib.sha256(orig.encode()).hexdigest()} 7 {orig}\n")
            index = self.root / "dists" / suite / "main" / "source" / "Sources.xz"
            index.parent.mkdir(parents=True, exist_ok=True)
            index.write_bytes(lzma.compress("\n".join(paragraphs).encode()))


def debian_route(src: lock_mod.Source) -> dict:
    return dict(next(r for r in src.get if r.kind == "debian").debian)


def check_pins(*args: str, index: str, mirror: str, security: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PIP_INDEX_URL=index)
    return subprocess.run([sys.executable, "-m", "recipe", "check-pins", "--debian-mirror", mirror,
                           "--security-mirror", security, *args],
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def archives(tmp_path):
    """(main archive, security archive, package index), each a FakeDebian or folder served on loopback."""
    main, security, index = FakeDebian(tmp_path / "debian"), FakeDebian(tmp_path / "security"), tmp_path / "pypi"
    (index / "simple" / "pysam").mkdir(parents=True)
    (index / "simple" / "pysam" / "index.html").write_text(
        '<a href="../../files/pysam-0.24.1.tar.gz">pysam-0.24.1.tar.gz</a>\n'
        '<a href="../../files/pysam-0.23.3.tar.gz">pysam-0.23.3.tar.gz</a>\n')
    return main, security, index


def serve_and_check(archives, *args):
    main, security, index = archives
    main.write()
    security.write()
    with FileServer(main.root) as m, FileServer(security.root) as s, FileServer(index) as i:
        return check_pins(*args, index=f"{i.url}/simple", mirror=m.url, security=s.url)


def _mirror_the_real_lock(main: FakeDebian) -> lock_mod.Lock:
    """Every Debian route of sources.lock.toml, offered by its suite and by sid at the pinned version."""
    real = lock_mod.load()
    for src in real.sources.values():
        if src.is_archive and any(r.kind == "debian" for r in src.get):
            d = debian_route(src)
            for suite in {d["suite"], "sid"}:
                main.add(suite, d["package"], d["version"], d["file"])
    return real


@pytest.mark.timeout(120)
def test_the_real_lock_passes_when_no_security_release_is_newer(archives):
    main, security, _ = archives
    real = _mirror_the_real_lock(main)
    curl = debian_route(real["curl"])
    # bookworm-security has an older curl with many stable fixes: older upstream, not behind
    security.add("bookworm-security", "curl", "7.88.1-10+deb12u14", "curl_7.88.1.orig.tar.gz")
    security.add("trixie-security", "openssl", "3.5.1-1+deb13u1", "openssl_3.5.1.orig.tar.gz")
    for suite in freshness.SECURITY_SUITES:
        security.suites.setdefault(suite, [])

    proc = serve_and_check(archives)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "check-pins: no bundled library is behind a Debian security release" in proc.stdout
    for name in lock_mod.load().sources:
        if real[name].is_archive:
            assert f"\n{name} {real[name].version}\n" in "\n" + proc.stdout
    assert f"{curl['version']} (sid)" in proc.stdout
    assert "bookworm-security 7.88.1-10+deb12u14" in proc.stdout
    assert "0.24.1 (PyPI)" in proc.stdout


@pytest.mark.timeout(120)
def test_a_pin_behind_a_security_release_fails_the_check_and_is_named(archives, tmp_path):
    main, security, _ = archives
    stale = tmp_path / "stale.lock.toml"
    text = (ROOT / "sources.lock.toml").read_text()
    xz = lock_mod.load()["xz"]
    d = debian_route(xz)
    # the fixture pins xz 5.8.1 from trixie, where trixie-security carries 5.8.1 with two stable updates
    stale.write_text(text.replace(f'version = "{d["version"]}"', 'version = "5.8.1-1"')
                     .replace(d["file"], "xz-utils_5.8.1.orig.tar.xz")
                     .replace(f'suite = "{d["suite"]}", package = "xz-utils"', 'suite = "trixie", package = "xz-utils"'))
    assert 'version = "5.8.1-1"' in stale.read_text()
    _mirror_the_real_lock(main)
    main.add("trixie", "xz-utils", "5.8.1-1", "xz-utils_5.8.1.orig.tar.xz")
    main.add("sid", "xz-utils", "5.8.9-1", "xz-utils_5.8.9.orig.tar.xz", served=False)
    security.add("trixie-security", "xz-utils", "5.8.1-1+deb13u2", "xz-utils_5.8.1.orig.tar.xz")
    security.suites.setdefault("bookworm-security", [])

    proc = serve_and_check(archives, "--lock", str(stale))

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ("BEHIND: trixie-security 5.8.1-1+deb13u2 has fixes on top of 5.8.1 (revision 5.8.1-1+deb13u2)"
            " (served: pin it)" in proc.stdout)
    assert "5.8.9-1 (sid, not on the mirror yet)" in proc.stdout
    assert "check-pins: xz must be updated before a release" in proc.stderr


@pytest.mark.timeout(120)
def test_a_fix_whose_tarball_is_not_served_yet_is_named_as_not_pinnable_yet(archives):
    main, security, _ = archives
    real = _mirror_the_real_lock(main)
    security.add("trixie-security", "openssl", "9.9.9-1~deb13u1", "openssl_9.9.9.orig.tar.gz", served=False)
    security.suites.setdefault("bookworm-security", [])

    proc = serve_and_check(archives)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"openssl {real['openssl'].version}\n" in proc.stdout
    assert ("BEHIND: trixie-security 9.9.9-1~deb13u1 has a newer upstream release (9.9.9), whose tarball "
            "the archive does not serve yet: pin it the day it does" in proc.stdout)
    assert "check-pins: openssl must be updated before a release" in proc.stderr


def test_a_security_suite_route_fetches_from_the_security_archive():
    route = lock_mod.Route("debian", debian=tuple(sorted(dict(
        suite="trixie-security", package="openssl", version="3.5.10-1~deb13u1",
        file="openssl_3.5.10.orig.tar.gz").items())))
    assert route.address() == ("http://deb.debian.org/debian-security/pool/updates/main/o/openssl/"
                               "openssl_3.5.10.orig.tar.gz")
    assert lock_mod.debian_pool_url("trixie", "libdeflate", "f.tar.gz") == (
        "http://deb.debian.org/debian/pool/main/libd/libdeflate/f.tar.gz")


@pytest.mark.timeout(120)
def test_an_unreadable_security_index_fails_the_check(archives):
    main, security, _ = archives
    _mirror_the_real_lock(main)
    security.suites.setdefault("trixie-security", [])  # bookworm-security has no index at all

    proc = serve_and_check(archives)

    assert proc.returncode == 1
    assert "UNKNOWN: cannot read bookworm-security: HTTPError: HTTP Error 404" in proc.stdout
    assert ("check-pins: zlib, bzip2, xz, libdeflate, openssl, curl could not be checked (see above)"
            in proc.stderr)


@pytest.mark.parametrize("pinned, security, why", [
    ("3.5.7-1~deb13u1", "3.5.7-1~deb13u1", ""),  # a new upstream release brought to stable: nothing on top
    ("3.5.7-1~deb13u1", "3.5.7-1~deb13u2", "fixes on top of 3.5.7 (revision 3.5.7-1~deb13u2)"),
    ("8.14.1-2", "8.14.1-2+deb13u7", "fixes on top of 8.14.1 (revision 8.14.1-2+deb13u7)"),
    ("3.5.7-1~deb13u2", "3.5.9-1~deb13u1", "a newer upstream release (3.5.9)"),
    ("8.21.0-2", "7.88.1-10+deb12u14", ""),  # an older upstream with fixes: what we pin is newer
    ("1:1.3.dfsg+really1.3.2-3", "1:1.3.dfsg+really1.3.1-1+deb13u1", ""),
])
def test_what_counts_as_behind(pinned, security, why):
    assert freshness.behind(pinned, security) == why
