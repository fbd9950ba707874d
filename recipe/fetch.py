"""Fetch and verify: obtain each pinned archive, check its sha256, unpack it.

An archive is looked for in build/downloads/ first, then obtained by its
routes in the lock's order. A route that cannot be reached is skipped (and
reported); bytes that do not match the pinned sha256 stop the build at once,
naming the file, the expected and the actual hash. Unpacked trees go to
vendor/<name>/src/, followed by that source's patch series.
"""

from __future__ import annotations

import base64
import hashlib
import html.parser
import os
import shutil
import tarfile
import urllib.parse
import urllib.request
from pathlib import Path, PurePosixPath

from . import patches, paths, redact, stamps, steps
from .digests import sha256_of
from .errors import RecipeError
from .lock import Lock, Route, Source

TIMEOUT = 60  # seconds per network read


def verify(src: Source, path: Path, route: str) -> None:
    """Raise unless `path` holds the pinned bytes; a mismatching file is set aside in rejected/."""
    actual = sha256_of(path)
    if actual != src.sha256:
        rejected = path.parent / "rejected"
        rejected.mkdir(parents=True, exist_ok=True)
        kept = rejected / path.name
        shutil.move(str(path), kept)
        raise RecipeError(
            f"sha256 mismatch for {src.file} (source '{src.name}' {src.version}, from {route}):\n"
            f"    expected {src.sha256}\n"
            f"    actual   {actual}\n"
            f"The file was not used; it is kept at {kept} for inspection. "
            f"If the new bytes are legitimate, update sha256 in {paths.LOCK.name} deliberately."
        )


# --- routes ---------------------------------------------------------------

def request(url: str, **headers: str) -> urllib.request.Request:
    """A request for `url`; credentials in it (user:password@host, as pip's index
    URLs allow) go into an Authorization header, never into the URL urllib sees."""
    headers = {"User-Agent": "pysam-s3-recipe", **headers}
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return urllib.request.Request(url, headers=headers)
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    plain = urllib.parse.urlunsplit(parts._replace(netloc=host))
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return urllib.request.Request(plain, headers={**headers, "Authorization": f"Basic {token}"})


def _download(url: str, dest: Path) -> None:
    with urllib.request.urlopen(request(url), timeout=TIMEOUT) as resp, open(dest, "wb") as out:
        shutil.copyfileobj(resp, out)


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def pypi_index() -> str:
    """The PyPI simple index pip is configured with (PIP_INDEX_URL), or PyPI's own."""
    return os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")


def pypi_files(project: str) -> dict[str, str]:
    """file name -> download URL of each file `project`'s page in the configured PyPI
    simple index lists."""
    page = f"{pypi_index()}/{project}/"
    with urllib.request.urlopen(request(page, Accept="text/html"), timeout=TIMEOUT) as resp:
        parser = _Links()
        parser.feed(resp.read().decode("utf-8", "replace"))
    urls = [urllib.parse.urljoin(page, href).split("#", 1)[0] for href in parser.hrefs]
    return {PurePosixPath(urllib.parse.urlparse(url).path).name: url for url in urls}


def _pypi_url(project: str, filename: str) -> str:
    """The download URL of `filename` in the PyPI simple index pip is configured with."""
    found = pypi_files(project).get(filename)
    if found is None:
        raise FileNotFoundError(f"{filename} is not listed at {redact.url(pypi_index())}/{project}/")
    return found


def _debian(route: Route, dest: Path) -> None:
    """The .orig tarball of a Debian source package, straight from the archive's pool.

    No apt needed (this works in manylinux/musllinux containers too); the bytes are
    trusted because they match the pinned sha256, as for every route."""
    _download(route.address(), dest)


def _obtain(src: Source, route: Route, dest: Path) -> None:
    if route.kind == "url":
        _download(route.url, dest)
    elif route.kind == "pypi":
        _download(_pypi_url(route.pypi, src.file), dest)
    else:
        _debian(route, dest)


def download(src: Source, downloads: Path = paths.DOWNLOADS) -> Path:
    """The verified archive of `src` in `downloads`, fetched if needed.

    Bytes arrive under a temporary name and get the pinned name only once they
    match the pin, so an interrupted download never looks like a finished one."""
    downloads.mkdir(parents=True, exist_ok=True)
    archive = downloads / src.file
    if archive.exists():
        verify(src, archive, f"the download cache ({archive})")
        return archive
    failures = []
    for route in src.get:
        part = archive.with_name(archive.name + ".part")
        part.unlink(missing_ok=True)
        try:
            steps.say(f"    fetching {src.file} from {route.describe()}")
            _obtain(src, route, part)
        except Exception as e:  # any failure of one route (network, HTTP, a malformed URL): try the next
            part.unlink(missing_ok=True)
            reason = redact.text(f"{type(e).__name__}: {e}")
            failures.append(f"  - {route.describe()}: {reason}")
            steps.say(f"      unreachable ({reason}); next route")
            continue
        verify(src, part, route.describe())
        part.rename(archive)
        return archive
    raise RecipeError(
        f"could not obtain {src.file} (source '{src.name}' {src.version}); every route failed:\n"
        + "\n".join(failures)
        + f"\nPut the file in {downloads}/ by other means to build offline (it is verified by sha256)."
    )


def seed_downloads(lock: Lock, directory: Path, downloads: Path = paths.DOWNLOADS) -> list[str]:
    """Copy the pinned archives found in `directory` into the download cache.

    How a build without network gets its sources (an sdist built offline, a
    mirror on a shared disk). Files are matched by the lock's file names only;
    each is verified by sha256 before it gets its name in the cache, like any
    download, so a copy cut short is never mistaken for the archive."""
    if not directory.is_dir():
        raise RecipeError(f"downloads folder {directory} does not exist")
    downloads.mkdir(parents=True, exist_ok=True)
    copied = []
    for src in lock.sources.values():
        found = directory / src.file if src.is_archive else None
        if found and found.is_file() and not (downloads / src.file).exists():
            part = downloads / (src.file + ".part")
            shutil.copy2(found, part)
            verify(src, part, f"the seeded folder ({found})")
            part.rename(downloads / src.file)
            copied.append(src.file)
    steps.say(f"==> {len(copied)} pinned archive(s) taken from {directory}")
    return copied


# --- unpacking ------------------------------------------------------------

def extract(archive: Path, dest: Path, strip: int, subdir: str = "") -> None:
    """Unpack `archive` into `dest`, dropping `strip` leading components and keeping only `subdir`."""
    prefix = PurePosixPath(subdir).parts if subdir else ()
    with tarfile.open(archive) as tar:
        members = []
        for m in tar.getmembers():
            parts = PurePosixPath(m.name).parts[strip:]
            if prefix:
                if parts[: len(prefix)] != prefix:
                    continue
                parts = parts[len(prefix):]
            if not parts:
                continue
            m.name = str(PurePosixPath(*parts))
            members.append(m)
        if not members:
            raise RecipeError(f"{archive.name}: nothing to unpack under {subdir or 'its top folder'}")
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(dest, members=members, **kwargs)


def _archive_of(lock: Lock, src: Source) -> tuple[Path, Source, str]:
    """The archive a source is unpacked from, the archive's entry, and the subfolder to keep."""
    if src.is_archive:
        return download(src), src, ""
    parent = lock[src.from_]
    archive, root, subdir = _archive_of(lock, parent)
    return archive, root, str(PurePosixPath(subdir, src.subdir)) if subdir else src.subdir


def prepare(lock: Lock, name: str) -> Path:
    """Download, verify, unpack and patch source `name`; returns its tree."""
    src = lock[name]
    tree = paths.source_tree(name)
    archive, root, subdir = _archive_of(lock, src)
    overlays = [(ov, prepare(lock, ov.source)) for ov in src.overlay]
    # the patch files the series resolves to (a series may list ../htslib/*.patch),
    # not the series folder: editing a shared patch re-patches every tree using it
    applied = [p.path for p in patches.series(src.series)]
    fp = stamps.fingerprint(src, root.sha256, subdir, patches.series_dir(src.series) / "series", *applied,
                           [str(o) for o, _ in overlays])
    stamp = paths.STAMPS / f"source-{name}.stamp"
    if stamps.is_current(stamp, fp, [tree]):
        return tree
    with steps.step(f"unpack {name} {src.version} into {tree.relative_to(paths.ROOT)}"):
        steps.fresh_dirs(tree)
        extract(archive, tree, root.strip_components, subdir)
        for ov, ov_tree in overlays:
            target = tree / ov.into
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(ov_tree, target, symlinks=True)
        patches.apply_series(src.series, tree, label=name)
    stamps.record(stamp, fp)
    stamps.record(pristine_stamp(name), tree_sha256(tree))
    return tree


def pristine_stamp(name: str) -> Path:
    """Where the tree hash of source `name` right after unpacking and patching is kept."""
    return paths.STAMPS / f"source-{name}.tree"


def tree_sha256(tree: Path) -> str:
    """One sha256 over a source tree: every path, its kind, executable bit and
    contents (or link target), in sorted order. Recorded in the build info, so a
    hand edit under vendor/*/src shows there."""
    h = hashlib.sha256()
    for path in sorted(tree.rglob("*"), key=lambda p: p.relative_to(tree).as_posix()):
        rel = path.relative_to(tree).as_posix()
        if path.is_symlink():
            h.update(f"link {rel} -> {os.readlink(path)}\0".encode())
        elif path.is_file():
            h.update(f"file {rel} {'x' if os.access(path, os.X_OK) else '-'} {sha256_of(path)}\0".encode())
        elif path.is_dir():
            h.update(f"dir {rel}\0".encode())
    return h.hexdigest()
