"""Remote indexes: never read from or written into the working directory, kept
in a private cache (~/.cache/htslib/indexes, htslib 0018) and used only after
one conditional GET has confirmed the object's ETag.

Stock htslib downloads every remote index into the working directory and uses
a same-named file found there without any check: wrong records, no error."""

from __future__ import annotations

import concurrent.futures

import pytest

from tests.s3 import datasets, probe
from tests.s3.checks import BAM, REGION, assert_read_bam, assert_same_records, read_bam
from tests.s3.runner import probe_call, run

pytestmark = pytest.mark.timeout(120)


EOF_MEMORY = "-d41d8cd98f00b204e9800998ecf8427e.eof"  # the MD5 of no bytes
TAG = "CACHEDIR.TAG"  # the Cache Directory Tagging Specification's file, written with a new cache


def cache_files(home, folder=None) -> dict[str, bytes]:
    """The index cache's entries (file name -> bytes), temporary files included,
    its CACHEDIR.TAG and the objects' remembered EOF blocks (empty .eof
    entries: tests/s3/test_eof_memory.py) left out."""
    cache = folder or home / ".cache" / "htslib" / "indexes"
    if not cache.exists():
        return {}
    files = {p.name: p.read_bytes() for p in cache.iterdir() if p.name != TAG}
    assert all(body == b"" for name, body in files.items() if name.endswith(EOF_MEMORY)), files
    return {name: body for name, body in files.items() if not name.endswith(EOF_MEMORY)}


def upload(ep, local, key: str) -> None:
    ep.client.upload_file(str(local), ep.bucket, ep.key(key))


@pytest.mark.parametrize("kind, name", [("alignments", "reads.bam"), ("alignments", "reads.cram"),
                                        ("alignments", "reads_csi.bam"), ("variants", "calls.vcf.gz"),
                                        ("variants", "calls.bcf"), ("tabix", "features.bed.gz")])
def test_a_remote_index_goes_into_the_cache_not_the_working_directory(endpoint, dataset, home, kind, name):
    ref = {"reference_filename": str(dataset / "ref.fa")} if name.endswith(".cram") else {}
    outcome = run(probe_call("read", kind, endpoint.url(f"data/{name}"), REGION, **ref), endpoint.env())
    assert_same_records(outcome, probe.read(kind, str(dataset / name), REGION, **ref))
    assert outcome.cwd_files == []
    index = (dataset / datasets.INDEXED[name]).read_bytes()
    assert list(cache_files(home).values()) == [index], "the cache does not hold exactly the remote index"
    tag = (home / ".cache" / "htslib" / "indexes" / TAG).read_text()
    assert tag.startswith("Signature: 8a477f597d28d172789f06886806bc55\n")


def test_a_same_named_index_in_the_working_directory_is_not_used(endpoint, dataset, isolated):
    """The index of a different, smaller BAM under the name stock htslib looks
    for gave wrong records without an error."""
    stale = (dataset / "other.bam.bai").read_bytes()
    (isolated / "reads.bam.bai").write_bytes(stale)
    assert_read_bam(read_bam(endpoint.url(BAM), endpoint.env()), dataset)
    assert (isolated / "reads.bam.bai").read_bytes() == stale


def test_a_warm_cache_costs_one_conditional_get(local_endpoint, dataset, home):
    """The second process finds the index in the cache and confirms it with one
    GET answered 304 (If-None-Match): no index byte is sent again, and no
    other index name is asked for."""
    proxy, env = local_endpoint.through()
    with proxy:
        assert_read_bam(read_bam(local_endpoint.url(BAM), env), dataset)
        cold = [r for r in proxy.take()["log"] if ".bai" in r["path"] or ".csi" in r["path"]]
        assert_read_bam(read_bam(local_endpoint.url(BAM), env), dataset)
        warm = [r for r in proxy.take()["log"] if ".bai" in r["path"] or ".csi" in r["path"]]
    index_size = (dataset / "reads.bam.bai").stat().st_size
    assert [(r["method"], r["status"], r["range"], r["bytes"]) for r in cold] == [("GET", 200, None, index_size)]
    assert [(r["method"], r["status"], r["bytes"]) for r in warm] == [("GET", 304, 0)]


def test_a_vcf_index_is_read_once_per_open(local_endpoint, dataset, home):
    """VariantFile takes the index htslib read with the header (to list its
    contigs) instead of asking again (htslib 0033, pysam 0007): cold, one GET
    of the index; warm, one 304; the records are the local ones."""
    region = [("chr1", 10_000, 20_000)]
    url = local_endpoint.url("data/calls.vcf.gz")
    proxy, env = local_endpoint.through()
    expected = probe.read("variants", str(dataset / "calls.vcf.gz"), region)
    with proxy:
        seen = []
        for _ in range(2):
            assert_same_records(run(probe_call("read", "variants", url, region), env), expected)
            seen.append([(r["status"], r["bytes"]) for r in proxy.take()["log"] if ".tbi" in r["path"]])
    assert seen == [[(200, (dataset / "calls.vcf.gz.tbi").stat().st_size)], [(304, 0)]], seen


def test_a_replaced_object_brings_its_new_index(local_endpoint, dataset, home):
    """The BAM and its index are replaced by another BAM's: the cached index no
    longer matches the ETag, so it is fetched again, and the old entry goes."""
    ep = local_endpoint
    key = ep.scratch("replaced.bam")
    upload(ep, dataset / "reads.bam", key)
    upload(ep, dataset / "reads.bam.bai", key + ".bai")
    assert_read_bam(read_bam(ep.url(key), ep.env()), dataset)
    upload(ep, dataset / "other.bam", key)
    upload(ep, dataset / "other.bam.bai", key + ".bai")
    outcome = read_bam(ep.url(key), ep.env())
    assert_same_records(outcome, probe.read("alignments", str(dataset / "other.bam"), REGION))
    assert list(cache_files(home).values()) == [(dataset / "other.bam.bai").read_bytes()]


def test_a_removed_index_is_not_served_from_the_cache(moto, dataset, home):
    ep = moto
    key = ep.scratch("orphan.bam")
    upload(ep, dataset / "reads.bam", key)
    upload(ep, dataset / "reads.bam.bai", key + ".bai")
    assert_read_bam(read_bam(ep.url(key), ep.env()), dataset)
    ep.client.delete_object(Bucket=ep.bucket, Key=ep.key(key + ".bai"))
    outcome = read_bam(ep.url(key), ep.env())
    assert (outcome.exc_type, outcome.message) == ("ValueError", "no index available for iteration"), str(outcome)
    assert cache_files(home) == {}


def test_the_cache_can_be_switched_off(moto, dataset, home):
    outcome = read_bam(moto.url(BAM), moto.env(HTS_INDEX_CACHE="off"))
    assert_read_bam(outcome, dataset)
    assert (outcome.cwd_files, cache_files(home)) == ([], {})


def test_the_cache_keeps_within_its_bound(moto, dataset, home):
    """With HTS_INDEX_CACHE_SIZE=0 only the entry just used is kept."""
    env = moto.env(HTS_INDEX_CACHE_SIZE="0")
    assert_read_bam(read_bam(moto.url(BAM), env), dataset)
    outcome = run(probe_call("read", "variants", moto.url("data/calls.vcf.gz"), REGION), env)
    assert outcome.ok, str(outcome)
    assert list(cache_files(home).values()) == [(dataset / "calls.vcf.gz.tbi").read_bytes()]


def test_processes_filling_the_cache_at_once(moto, dataset, home):
    """Eight processes with an empty cache read at once: each gets exactly the
    local records, and the cache ends with one whole entry, no temporary file."""
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: read_bam(moto.url(BAM), moto.env(), timeout=60), range(8)))
    for outcome in outcomes:
        assert_read_bam(outcome, dataset)
    assert list(cache_files(home).values()) == [(dataset / "reads.bam.bai").read_bytes()]


# --- the cache never touches what it did not write ---------------------------------

def user_files(folder) -> dict[str, bytes]:
    """Three files of the user's, one of them hidden, as a data folder holds them."""
    folder.mkdir(exist_ok=True)
    files = {"sample.bam": b"BAM\1 not really", "notes.txt": b"keep me\n", ".hidden": b"mine too"}
    for name, body in files.items():
        (folder / name).write_bytes(body)
    return files


def test_a_cache_pointed_at_a_data_folder_leaves_its_files(moto, dataset, isolated):
    """HTS_INDEX_CACHE names a folder of the user's files and the bound is 0:
    eviction used to delete them all at the first region query. Only names of
    the cache's own form are ever removed."""
    folder = isolated / "data"
    files = user_files(folder)
    env = moto.env(HTS_INDEX_CACHE=str(folder), HTS_INDEX_CACHE_SIZE="0")
    assert_read_bam(read_bam(moto.url(BAM), env), dataset)
    outcome = run(probe_call("read", "variants", moto.url("data/calls.vcf.gz"), REGION), env)
    assert outcome.ok, str(outcome)
    left = {name: body for name, body in cache_files(None, folder).items() if name in files}
    assert left == files
    ours = {name: body for name, body in cache_files(None, folder).items() if name not in files}
    assert list(ours.values()) == [(dataset / "calls.vcf.gz.tbi").read_bytes()]  # the bound still holds for its own
    assert not (folder / TAG).exists(), "a folder the cache did not make is not tagged"


def unsafe_folder(kind: str, isolated):
    """(HTS_INDEX_CACHE, HTS_INDEX_CACHE_SIZE, what stderr must say) for a setting the cache refuses."""
    if kind == "relative":
        return ".", None, "HTS_INDEX_CACHE must be an absolute path"
    if kind == "negative size":
        return str(isolated / "cache"), "-1", "HTS_INDEX_CACHE_SIZE must be a number of MiB, not '-1'"
    if kind == "size not a number":
        return str(isolated / "cache"), "1GB", "HTS_INDEX_CACHE_SIZE must be a number of MiB, not '1GB'"
    target = isolated / "target"
    target.mkdir()
    if kind == "symbolic link":
        (isolated / "link").symlink_to(target)
        return str(isolated / "link"), None, "it is a symbolic link"
    if kind == "others may write":
        target.chmod(0o777)
        return str(target), None, "other users may write to it (mode 777)"
    if kind == "another user's":
        import os
        os.chown(target, 65534, 65534)  # nobody (the tests run as root)
        return str(target), None, "it belongs to another user (uid 65534)"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["relative", "negative size", "size not a number", "symbolic link",
                                  "others may write", "another user's"])
def test_a_cache_setting_that_is_not_safe_is_refused(moto, dataset, isolated, home, kind):
    """The index is then read from the server, and stderr says why the cache
    was not used; nothing is written to the folder or the working directory."""
    folder, size, why = unsafe_folder(kind, isolated)
    env = moto.env(HTS_INDEX_CACHE=folder, **({"HTS_INDEX_CACHE_SIZE": size} if size else {}))
    work = isolated / "work"
    work.mkdir()
    outcome = run(probe_call("read", "alignments", moto.url(BAM), REGION), env, cwd=work)
    assert_read_bam(outcome, dataset)
    assert f"Not using the index cache {folder}: {why}" in outcome.stderr, outcome.stderr
    assert outcome.cwd_files == []
    if (isolated / "target").exists():
        assert list((isolated / "target").iterdir()) == []
    assert cache_files(home) == {}


def test_an_entry_that_no_longer_matches_is_fetched_again(moto, dataset, home):
    """An entry whose bytes changed since it was stored (a disk error, another
    program) is not trusted: its MD5 no longer matches, so it is fetched again."""
    assert_read_bam(read_bam(moto.url(BAM), moto.env()), dataset)
    [name] = cache_files(home)
    entry = home / ".cache" / "htslib" / "indexes" / name
    good = entry.read_bytes()
    entry.write_bytes(good[:100] + bytes([good[100] ^ 0xFF]) + good[101:])
    outcome = read_bam(moto.url(BAM), moto.env())
    assert_read_bam(outcome, dataset)
    assert "does not match its MD5; fetching it again" in outcome.stderr
    assert cache_files(home) == {name: good}


def test_processes_evicting_each_others_entries(moto, dataset, home):
    """16 processes read two BAMs at once with a bound of 0, so each store
    evicts the other BAM's entry, possibly between another process's 304 and
    its load: every read gets exactly the local records (a vanished entry is
    fetched again)."""
    urls = [moto.url(BAM), moto.url("data/other.bam")] * 8
    env = moto.env(HTS_INDEX_CACHE_SIZE="0")
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(lambda url: read_bam(url, env, timeout=60), urls))
    for url, outcome in zip(urls, outcomes):
        name = url.rsplit("/", 1)[1]
        assert_same_records(outcome, probe.read("alignments", str(dataset / name), REGION))
