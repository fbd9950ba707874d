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


def cache_files(home) -> dict[str, bytes]:
    """The index cache's entries (file name -> bytes), temporary files included."""
    cache = home / ".cache" / "htslib" / "indexes"
    return {p.name: p.read_bytes() for p in cache.iterdir()} if cache.exists() else {}


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
