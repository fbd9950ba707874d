"""Adaptive read-ahead, parallel prefetch (htslib 0021), the iterator's hint
(0023) and connection reuse (0020), checked by content and by what the
counting proxy saw, never by time:

* a read after a seek asks for 64 KiB, or what the region's index chunks
  need; reading on doubles the range up to 8 MiB; the range read before is
  kept, so the header is not fetched again after the EOF check at the end of
  the file;
* once sequential ranges reach 1 MiB, the next ones are requested ahead,
  several at a time, and a range that fails in flight is read again;
* every S3 request of a process shares one pool of connections.

Each access pattern gives exactly the records of the same read done locally."""

from __future__ import annotations

import random

import pytest

from testkit.proxies.faults import Reset
from tests.s3 import datasets, probe
from tests.s3.checks import BAM, REGION, assert_read_bam, read_bam
from tests.s3.runner import probe_call, run

pytestmark = pytest.mark.timeout(180)

FIRST_RANGE = 64 * 1024
MAX_RANGE = 8 << 20


def ranges(log: list[dict], path_end: str) -> list[tuple[int, int]]:
    """(first, last) byte of each ranged GET of the object, in order."""
    out = []
    for r in log:
        if r["method"] == "GET" and r["path"].endswith(path_end) and r["range"]:
            first, last = r["range"].removeprefix("bytes=").split("-")
            out.append((int(first), int(last)))
    return out


def overlaps(spans: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """The spans (clipped to the object) that ask again for bytes already asked for."""
    seen, again = [], []
    for first, last in sorted(spans):
        last = min(last, size - 1)
        if seen and first <= seen[-1][1]:
            again.append((first, last))
        seen.append((first, max(last, seen[-1][1]) if seen else last))
    return again


def digest_through(ep, key: str, regions, rule=None, **env):
    proxy, full_env = ep.through(rule, **env)
    with proxy:
        outcome = run(probe_call("digest", "alignments", ep.url(key), regions), full_env, timeout=150)
        seen = proxy.take()
    return outcome, seen


@pytest.fixture(scope="module")
def big_local(big_bam):
    whole = probe.digest("alignments", str(big_bam), [None])
    return big_bam, whole


def test_a_warm_region_query_asks_for_small_ranges_and_nothing_twice(local_endpoint, dataset):
    """With the index cached by an earlier process: the header and the data in
    64 KiB ranges, none overlapping, and one conditional GET for the index: 3
    requests (the EOF block is remembered from the first process: 0030)."""
    proxy, env = local_endpoint.through()
    with proxy:
        assert_read_bam(read_bam(local_endpoint.url(BAM), env), dataset)
        proxy.take()
        assert_read_bam(read_bam(local_endpoint.url(BAM), env), dataset)
        log = proxy.take()["log"]
    size = (dataset / "reads.bam").stat().st_size
    spans = ranges(log, "reads.bam")
    assert spans[0] == (0, FIRST_RANGE - 1), spans
    assert overlaps(spans, size) == [], spans
    assert all(last - first < 2 * FIRST_RANGE for first, last in spans), spans
    assert [(r["method"], r["status"]) for r in log if r["path"].endswith(".bai")] == [("GET", 304)]
    assert len(log) == 3, [(r["method"], r["path"], r["range"]) for r in log]


def test_a_region_is_fetched_in_the_one_range_its_index_chunks_need(moto, big_on, big_bam):
    """The iterator tells the reader how far the region's chunks reach (0023):
    the region's data comes in one ranged GET larger than the 64 KiB a bare
    seek would ask for, and the records are exactly the local ones."""
    region = [("chr1", 1_000_000, 1_030_000)]
    expected = probe.digest("alignments", str(big_bam), region)
    outcome, seen = digest_through(moto, big_on(moto), region)
    assert outcome.ok, str(outcome)
    assert outcome.result == expected
    size = big_bam.stat().st_size
    data = [s for s in ranges(seen["log"], "big.bam") if s[0] not in (0, size - 28)]
    assert len(data) == 1 and data[0][1] - data[0][0] + 1 > FIRST_RANGE, data


def test_a_whole_file_streams_in_growing_ranges_fetched_once(local_endpoint, big_on, big_local):
    """The ranges double to 8 MiB and go ahead in parallel; together they cover
    the file once (bytes at most 5% over its size), and the records are exactly
    the local ones."""
    big_bam, whole = big_local
    outcome, seen = digest_through(local_endpoint, big_on(local_endpoint), [None])
    assert outcome.ok, str(outcome)
    assert outcome.result == whole
    size = big_bam.stat().st_size
    spans = ranges(seen["log"], "big.bam")
    # the 28-byte EOF block, checked at open, is read again at the end
    assert (size - 28, size - 28 + FIRST_RANGE - 1) in spans
    spans.remove((size - 28, size - 28 + FIRST_RANGE - 1))
    sizes = [last - first + 1 for first, last in spans]
    assert sizes[:3] == [FIRST_RANGE, 2 * FIRST_RANGE, 4 * FIRST_RANGE], sizes[:6]
    assert max(sizes) == MAX_RANGE, sizes
    assert overlaps(spans, size) == [], spans
    assert seen["bytes"] <= 1.05 * size + 1_000_000  # + the index


def test_regions_in_random_order_and_across_range_boundaries(moto, big_on, big_bam):
    """Regions in random order, some long enough to set the prefetch going and
    then seek away from it (regions of 3 Mb span many 8 MiB ranges)."""
    rng = random.Random(16)
    regions = datasets.big_regions(30, seed=16) + [("chr1", 0, 3_000_000), ("chr2", 500_000, 2_000_000)]
    rng.shuffle(regions)
    expected = probe.digest("alignments", str(big_bam), regions)
    outcome, _ = digest_through(moto, big_on(moto), regions)
    assert outcome.ok, str(outcome)
    assert outcome.result == expected


def test_prefetch_off_reads_the_same_in_sequence(moto, big_on, big_local):
    _, whole = big_local
    outcome, seen = digest_through(moto, big_on(moto), [None], HTS_S3_PREFETCH="0")
    assert outcome.ok, str(outcome)
    assert outcome.result == whole


def test_a_range_failing_in_flight_is_read_again(moto, big_on, big_local):
    """Every ranged GET from 4 MiB on is reset on its first attempt: prefetched
    ranges fail in flight and are dropped, and what they held is read again
    (in ranges of the size then current); the records are exact."""
    _, whole = big_local
    attempted: set[str] = set()

    def reset_first_far_gets(method, path, headers):
        rng = headers.get("Range") or ""
        if method == "GET" and rng and int(rng.removeprefix("bytes=").split("-")[0]) >= 4 << 20 \
                and rng not in attempted:
            attempted.add(rng)
            return Reset()
        return None

    outcome, seen = digest_through(moto, big_on(moto), [None], reset_first_far_gets)
    log = seen["log"]
    assert outcome.ok, str(outcome)
    assert outcome.result == whole
    assert sum(1 for r in log if r["fault"]) >= 2, "no range failed in flight"
    assert not any(r["fault"] is None and r["status"] != 206 for r in log if r["range"])


def test_successive_opens_reuse_one_connection(local_endpoint, dataset):
    """An htsget-style process opening file after file on one endpoint."""
    proxy, env = local_endpoint.through()
    url = local_endpoint.url(BAM)
    code = (f"import pysam\nresult = []\nfor _ in range(5):\n"
            f"    with pysam.AlignmentFile({url!r}) as f:\n"
            f"        result.append(sum(1 for _ in f.fetch(*{REGION[0]!r})))\n")
    with proxy:
        outcome = run(code, env)
        seen = proxy.take()
    expected = len(probe.read("alignments", str(dataset / "reads.bam"), REGION)[probe.region_name(REGION[0])])
    assert outcome.ok, str(outcome)
    assert outcome.result == [expected] * 5
    assert seen["connections"] == 1, seen["requests"]
