"""One option picks the htslib: here a development snapshot pinned by URL + sha256.

The snapshot is made the way a GitHub archive of htslib's develop branch
looks (no configure script, an empty htscodecs/ submodule folder), from the
pinned pysam sdist so the test needs no network; htscodecs comes as a
second pinned archive through the lock's 'overlay'.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile

import pytest

from .conftest import recipe


def snapshot_tarballs(sdist, out):
    """(htslib snapshot, htscodecs) tarballs cut from the sdist's htslib/ folder."""
    htslib, codecs = out / "htslib-snap.tar.gz", out / "htscodecs-snap.tar.gz"
    with tarfile.open(sdist) as src, tarfile.open(htslib, "w:gz") as h, tarfile.open(codecs, "w:gz") as c:
        for m in src.getmembers():
            parts = m.name.split("/")
            if len(parts) < 3 or parts[1] != "htslib":
                continue
            rest = "/".join(parts[2:])
            data = src.extractfile(m) if m.isfile() else None
            if rest.startswith("htscodecs/"):
                m.name = "htscodecs-snap/" + rest[len("htscodecs/"):]
                c.addfile(m, data)
            elif rest not in ("configure", "config.h.in"):
                m.name = "htslib-snap/" + rest
                h.addfile(m, data)
    return [(p, hashlib.sha256(p.read_bytes()).hexdigest()) for p in (htslib, codecs)]


@pytest.mark.timeout(900)
def test_htslib_devel_snapshot_by_url_and_sha256(project, tmp_path):
    (h, h_sha), (c, c_sha) = snapshot_tarballs(project / "build/downloads/pysam-0.24.1.tar.gz", tmp_path)
    with open(project / "sources.lock.toml", "a") as f:
        f.write(f'''
[sources.htslib-devel]
version = "1.24.dev20261101.abc1234"
file = "htslib-snap.tar.gz"
sha256 = "{h_sha}"
strip-components = 1
autoreconf = true
patches = "htslib-devel"
overlay = [{{ source = "htscodecs-devel", into = "htscodecs" }}]
get = [{{ url = "{h.as_uri()}" }}]

[sources.htscodecs-devel]
version = "1.6.7"
file = "htscodecs-snap.tar.gz"
sha256 = "{c_sha}"
strip-components = 1
get = [{{ url = "{c.as_uri()}" }}]
''')
    # pysam's copy still carries the ../pysam/ includes, so this "snapshot" takes htslib/0001
    series = project / "patches" / "htslib-devel"
    series.mkdir()
    (series / "series").write_text("../htslib/0001-link-libcurl-and-libcrypto-directly.patch\n")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(re.sub(r'htslib-source = "htslib"', 'htslib-source = "htslib-devel"',
                                pyproject.read_text()))

    revision = re.search(r"^build-revision = (\d+)$", pyproject.read_text(), re.M).group(1)
    assert recipe(project, "version").stdout.strip() == f"0.24.1+htslib1.24.dev20261101.abc1234.s3r{revision}"

    proc = recipe(project, "native", timeout=840)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "fetching htslib-snap.tar.gz" in proc.stdout
    assert (project / "vendor/htslib-devel/src/htscodecs/htscodecs/rANS_static.c").exists()
    [record] = (project / "build" / "native").glob("*/htslib.json")
    built = json.loads(record.read_text())
    assert built["source"] == "htslib-devel"
    assert "libcurl=yes S3=yes GCS=yes libdeflate=yes" in built["features"]
