"""Fetch and verify: pinned archives are used only when their sha256 matches."""

from __future__ import annotations

import hashlib
import io
import tarfile

import pytest

from recipe import fetch, lock as lock_mod
from recipe.errors import RecipeError

from .conftest import recipe


def make_tarball(path, files: dict[str, bytes], top: str = "pkg-1.0") -> str:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_corrupted_download_is_refused_and_the_build_stops(project):
    archive = project / "build" / "downloads" / "pysam-0.24.1.tar.gz"
    good = hashlib.sha256(archive.read_bytes()).hexdigest()
    archive.unlink()
    archive.write_bytes(b"not the pinned pysam sdist")
    bad = hashlib.sha256(b"not the pinned pysam sdist").hexdigest()

    proc = recipe(project, "fetch")

    assert proc.returncode == 1
    assert "sha256 mismatch for pysam-0.24.1.tar.gz" in proc.stderr
    assert f"expected {good}" in proc.stderr
    assert f"actual   {bad}" in proc.stderr
    assert not (project / "vendor" / "pysam" / "src").exists()
    # the bad bytes are set aside, not deleted and not used
    assert (project / "build" / "downloads" / "rejected" / "pysam-0.24.1.tar.gz").exists()


@pytest.mark.unit
def test_route_delivering_other_bytes_is_refused(tmp_path):
    served = tmp_path / "served.tar.gz"
    make_tarball(served, {"a.txt": b"hello"})
    src = lock_mod.Source(name="demo", version="1.0", file="demo-1.0.tar.gz", sha256="0" * 64,
                          strip_components=1, get=(lock_mod.Route("url", url=served.as_uri()),))
    with pytest.raises(RecipeError) as e:
        fetch.download(src, tmp_path / "downloads")
    assert "sha256 mismatch for demo-1.0.tar.gz" in str(e.value)
    assert served.as_uri() in str(e.value)
    assert not (tmp_path / "downloads" / "demo-1.0.tar.gz").exists()


@pytest.mark.unit
def test_unreachable_route_falls_through_to_the_next(tmp_path):
    served = tmp_path / "served.tar.gz"
    sha = make_tarball(served, {"a.txt": b"hello"})
    missing = (tmp_path / "nowhere.tar.gz").as_uri()
    src = lock_mod.Source(name="demo", version="1.0", file="demo-1.0.tar.gz", sha256=sha, strip_components=1,
                          get=(lock_mod.Route("url", url=missing), lock_mod.Route("url", url=served.as_uri())))
    got = fetch.download(src, tmp_path / "downloads")
    assert got.read_bytes() == served.read_bytes()


@pytest.mark.unit
def test_every_route_failing_names_each_route(tmp_path):
    urls = [(tmp_path / f"gone{i}.tar.gz").as_uri() for i in range(2)]
    src = lock_mod.Source(name="demo", version="1.0", file="demo-1.0.tar.gz", sha256="0" * 64,
                          get=tuple(lock_mod.Route("url", url=u) for u in urls))
    with pytest.raises(RecipeError) as e:
        fetch.download(src, tmp_path / "downloads")
    for u in urls:
        assert u in str(e.value)
    assert "every route failed" in str(e.value)


@pytest.mark.unit
def test_the_committed_lock_is_consistent():
    lk = lock_mod.load()
    for src in lk.sources.values():
        if src.is_archive:
            assert len(src.sha256) == 64 and src.get, src.name
    assert lk["htslib"].from_ == "pysam"


@pytest.mark.unit
def test_lock_rejects_a_malformed_hash(tmp_path):
    bad = tmp_path / "lock.toml"
    bad.write_text('schema = 1\n[sources.x]\nversion = "1"\nfile = "x.tgz"\nsha256 = "abc"\n'
                   'get = [{ url = "https://example.invalid/x.tgz" }]\n')
    with pytest.raises(RecipeError, match="sha256 must be 64 hex digits"):
        lock_mod.load(bad)


@pytest.mark.unit
def test_seeded_downloads_take_only_pinned_files_and_are_verified_before_they_are_named(tmp_path):
    """`-C cmake.define.PYSAM_S3_DOWNLOADS=DIR` (offline builds): files are matched by the
    lock's names, and bytes that do not match the pin never get the pinned name."""
    good, bad = tmp_path / "good.tar.gz", tmp_path / "bad.tar.gz"
    sha = make_tarball(good, {"a.txt": b"hello"})
    make_tarball(bad, {"a.txt": b"tampered"})
    mirror, cache = tmp_path / "mirror", tmp_path / "downloads"
    mirror.mkdir()
    (mirror / "demo-1.0.tar.gz").write_bytes(good.read_bytes())
    (mirror / "unrelated.tar.gz").write_bytes(b"x")
    nowhere = lock_mod.Route("url", url=(tmp_path / "nowhere").as_uri())
    demo = lock_mod.Source(name="demo", version="1.0", file="demo-1.0.tar.gz", sha256=sha, get=(nowhere,))
    other = lock_mod.Source(name="other", version="2.0", file="other-2.0.tar.gz", sha256=sha, get=(nowhere,))
    lk = lock_mod.Lock(tmp_path / "lock.toml", {"demo": demo, "other": other})
    assert fetch.seed_downloads(lk, mirror, cache) == ["demo-1.0.tar.gz"]
    assert not (cache / "unrelated.tar.gz").exists()
    assert fetch.download(lk["demo"], cache).read_bytes() == good.read_bytes()

    (mirror / "other-2.0.tar.gz").write_bytes(bad.read_bytes())
    with pytest.raises(RecipeError, match="sha256 mismatch for other-2.0.tar.gz") as e:
        fetch.seed_downloads(lk, mirror, cache)
    assert "the seeded folder" in str(e.value)
    assert not (cache / "other-2.0.tar.gz").exists()


@pytest.mark.unit
def test_an_interrupted_download_is_never_taken_for_the_archive(tmp_path):
    """What an earlier, cut-off download left behind is neither used nor blamed on the pin."""
    served = tmp_path / "served.tar.gz"
    sha = make_tarball(served, {"a.txt": b"hello" * 1000})
    cache = tmp_path / "downloads"
    cache.mkdir()
    (cache / "demo-1.0.tar.gz.part").write_bytes(served.read_bytes()[:100])
    src = lock_mod.Source(name="demo", version="1.0", file="demo-1.0.tar.gz", sha256=sha,
                          get=(lock_mod.Route("url", url=served.as_uri()),))
    assert fetch.download(src, cache).read_bytes() == served.read_bytes()
    assert sorted(p.name for p in cache.iterdir()) == ["demo-1.0.tar.gz"]


@pytest.mark.unit
def test_a_route_failing_in_any_way_falls_through_to_the_next(tmp_path):
    """Not only network errors: a malformed URL (http.client.InvalidURL) is one route's failure too."""
    served = tmp_path / "served.tar.gz"
    sha = make_tarball(served, {"a.txt": b"hello"})
    broken = lock_mod.Route("url", url="http://127.0.0.1:notaport/demo-1.0.tar.gz")
    src = lock_mod.Source(name="demo", version="1.0", file="demo-1.0.tar.gz", sha256=sha,
                          get=(broken, lock_mod.Route("url", url=served.as_uri())))
    assert fetch.download(src, tmp_path / "downloads").read_bytes() == served.read_bytes()


INDEX_USER, INDEX_PASSWORD = "ci-reader", "Idx-s3cr3t-9f2b"


def _simple_index(root, project: str, archive) -> None:
    """A PEP 503 simple index at root/simple/ listing `archive` for `project`."""
    page = root / "simple" / project
    page.mkdir(parents=True)
    (root / "files").mkdir(exist_ok=True)
    (root / "files" / archive.name).write_bytes(archive.read_bytes())
    (page / "index.html").write_text(f'<a href="../../files/{archive.name}#sha256=x">{archive.name}</a>\n')


def test_index_credentials_travel_in_a_header_and_never_appear(project, tmp_path, monkeypatch):
    """A PIP_INDEX_URL with user:password@: `recipe fetch` authenticates with it, and
    neither a refusal nor a success prints the password (once a traceback did)."""
    from testkit.files import FileServer

    pysam_sdist = project / "build" / "downloads" / "pysam-0.24.1.tar.gz"
    root = tmp_path / "index"
    _simple_index(root, "pysam", pysam_sdist)
    pysam_sdist.unlink()
    with FileServer(root, INDEX_USER, INDEX_PASSWORD) as index:
        host = index.url.removeprefix("http://")
        monkeypatch.setenv("PIP_INDEX_URL", f"http://{INDEX_USER}:wrong-{INDEX_PASSWORD}@{host}/simple")
        refused = recipe(project, "fetch", "pysam", timeout=120)
        monkeypatch.setenv("PIP_INDEX_URL", f"http://{INDEX_USER}:{INDEX_PASSWORD}@{host}/simple/")
        fetched = recipe(project, "fetch", "pysam", timeout=120)

    assert refused.returncode == 1, refused.stderr
    assert "every route failed" in refused.stderr and "HTTP Error 401" in refused.stderr
    assert fetched.returncode == 0, fetched.stderr
    assert (project / "vendor" / "pysam" / "src" / "setup.py").is_file()
    for proc in (refused, fetched):
        assert INDEX_PASSWORD not in proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
    # the server saw the credentials as a Basic header on every request, the URL path never held them
    assert index.requests and all(auth and auth.startswith("Basic ") for _, auth in index.requests)
    assert all(INDEX_PASSWORD not in path for path, _ in index.requests)


@pytest.mark.unit
def test_seeding_from_a_missing_folder_is_an_error(tmp_path):
    with pytest.raises(RecipeError, match="does not exist"):
        fetch.seed_downloads(lock_mod.load(), tmp_path / "absent", tmp_path / "downloads")
