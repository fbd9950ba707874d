"""The EOF block remembered by ETag (htslib 0030): an object version found to
end in a BGZF EOF block is remembered in the index cache, so a warm region
query makes 3 requests (header, index confirmation, data), not 4; an object
without the block is refused as truncated on every open (pysam's OSError, as
for the local file), and a replaced object (a new ETag) is checked again. Checked by what the counting proxy saw and by content."""

from __future__ import annotations

import pytest

from tests.s3 import probe
from tests.s3.checks import BAM, REGION
from tests.s3.runner import probe_call, run

pytestmark = pytest.mark.timeout(120)

EOF_BLOCK = 28
TRUNCATED = "no BGZF EOF marker; file may be truncated"


def read_through(proxy, env, url: str, regions=REGION):
    outcome = run(probe_call("read", "alignments", url, regions), env)
    return outcome, proxy.take()["log"]


def put(ep, key: str, path) -> None:
    ep.client.upload_file(str(path), ep.bucket, ep.key(key))


def asked_for_the_end(log: list[dict], size: int) -> bool:
    """Whether a ranged GET started at the object's last 28 bytes: the EOF check's own request."""
    return any(r["range"] and r["range"].startswith(f"bytes={size - EOF_BLOCK}-") for r in log)


def fetched_the_end(log: list[dict], size: int) -> bool:
    """Whether a ranged GET covered the object's last 28 bytes: its own request, or one
    that read on through a short file to its end (htslib 0029)."""
    spans = [r["range"].removeprefix("bytes=").split("-") for r in log if r["method"] == "GET" and r["range"]]
    return any(int(first) <= size - EOF_BLOCK and int(last) >= size - 1 for first, last in spans)


def test_a_warm_region_query_makes_three_requests(local_endpoint, dataset):
    """Cold: header, EOF block, index, data. Warm (the same HOME): the EOF block
    is known for that ETag, so header, index confirmation (304), data."""
    size = (dataset / "reads.bam").stat().st_size
    expected = probe.read("alignments", str(dataset / "reads.bam"), REGION)
    proxy, env = local_endpoint.through()
    with proxy:
        cold, cold_log = read_through(proxy, env, local_endpoint.url(BAM))
        warm, warm_log = read_through(proxy, env, local_endpoint.url(BAM))
    assert cold.ok and warm.ok, f"{cold}\n{warm}"
    assert cold.result == warm.result == expected
    assert fetched_the_end(cold_log, size)
    assert not asked_for_the_end(warm_log, size), warm_log
    assert len(warm_log) == 3, [(r["method"], r["path"], r["range"], r["status"]) for r in warm_log]


def test_an_object_without_the_block_is_refused_every_time(local_endpoint, dataset, tmp_path):
    """Never remembered: each open asks for the end again and fails, as locally."""
    damaged = tmp_path / "no-eof.bam"
    damaged.write_bytes((dataset / "reads.bam").read_bytes()[:-EOF_BLOCK])
    key = local_endpoint.scratch("no-eof.bam")
    put(local_endpoint, key, damaged)
    proxy, env = local_endpoint.through()
    with proxy:
        runs = [read_through(proxy, env, local_endpoint.url(key), [None]) for _ in range(2)]
    for outcome, log in runs:
        assert (outcome.ok, outcome.exc_type, outcome.message) == (False, "OSError", TRUNCATED), str(outcome)
        assert fetched_the_end(log, damaged.stat().st_size), log


def test_a_replaced_object_is_checked_again(local_endpoint, dataset, tmp_path):
    """A whole object read once (its EOF block remembered), then replaced under
    the same key by a copy without the block: the new ETag is not known, the
    end is asked for and the copy refused as truncated."""
    whole = dataset / "reads.bam"
    damaged = tmp_path / "no-eof.bam"
    damaged.write_bytes(whole.read_bytes()[:-EOF_BLOCK])
    key = local_endpoint.scratch("replaced.bam")
    proxy, env = local_endpoint.through()
    with proxy:
        put(local_endpoint, key, whole)
        first, _ = read_through(proxy, env, local_endpoint.url(key), [None])
        put(local_endpoint, key, damaged)
        second, log = read_through(proxy, env, local_endpoint.url(key), [None])
    assert first.ok, str(first)
    assert (second.ok, second.exc_type, second.message) == (False, "OSError", TRUNCATED), str(second)
    assert fetched_the_end(log, damaged.stat().st_size), log
