"""The read policy from the link (htslib 0029): a forward seek by less than
a round trip's worth of bytes (latency x bandwidth of one connection,
measured on every range read) reads on from where the last range ended and
passes over the bytes in between; a longer one starts a new range at its
target. Checked by what the counting proxy sees, for each shaping, never by
time, and by content: the bytes read are the file's, and none is fetched
twice."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from testkit.proxies.s3 import Shaping
from tests import data
from tests.s3 import datasets, probe
from tests.s3.runner import probe_call, run
from tests.s3.test_readahead import FIRST_RANGE, overlaps, ranges

pytestmark = pytest.mark.timeout(180)

START = 10 << 20           # where the first read lands: no range of the open holds it
LINKS = {"30 ms + 50 MB/s": Shaping(latency=0.030, bandwidth=50e6),
         "80 ms + 20 MB/s": Shaping(latency=0.080, bandwidth=20e6)}


def read_at(ep, key: str, reads: list[tuple[int, int]], shaping=None, **env):
    """Seek to each (offset, length) and read it through pysam's HFile in one
    open file; returns the sha256 of each read and the proxy's log."""
    proxy, full_env = ep.through(shaping=shaping, **env)
    code = ("import hashlib\nfrom pysam.libchtslib import HFile\nresult = []\n"
            f"with HFile({ep.url(key)!r}) as f:\n"
            f"    for offset, length in {reads!r}:\n"
            "        f.seek(offset)\n"
            "        result.append(hashlib.sha256(f.read(length)).hexdigest())\n")
    with proxy:
        outcome = run(code, full_env, timeout=150)
        log = proxy.take()["log"]
    assert outcome.ok, str(outcome)
    return outcome.result, log


def expected(path, reads):
    with open(path, "rb") as f:
        out = []
        for offset, length in reads:
            f.seek(offset)
            out.append(hashlib.sha256(f.read(length)).hexdigest())
        return out


def data_ranges(log, size):
    """The ranged GETs after those of the open (header, EOF block)."""
    return [s for s in ranges(log, "big.bam") if s[0] not in (0, size - 28)]


# A first read of 300 kB comes in ranges of 64, 128 and 256 KiB: long enough
# to time the link's bandwidth; they end here
FIRST_READ = 300_000
FIRST_END = START + 7 * FIRST_RANGE


def check_seek(ep, key, big_bam, gap: int, shaping=None, **env) -> list[tuple[int, int]]:
    """Read 300 kB at START, then 1 kB *gap* bytes past the end of the ranges
    that read fetched; the ranged GETs after the open, checked for content and
    for bytes asked twice."""
    reads = [(START, FIRST_READ), (FIRST_END + gap, 1000)]
    digests, log = read_at(ep, key, reads, shaping, **env)
    assert digests == expected(big_bam, reads)
    spans = data_ranges(log, big_bam.stat().st_size)
    assert spans[:3] == [(START, START + FIRST_RANGE - 1), (START + FIRST_RANGE, START + 3 * FIRST_RANGE - 1),
                         (START + 3 * FIRST_RANGE, FIRST_END - 1)], spans
    assert overlaps(spans, big_bam.stat().st_size) == [], spans
    return spans[3:]


def test_a_seek_within_the_set_distance_reads_on(local_endpoint, big_on, big_bam):
    """HTS_S3_READ_THROUGH=256 (KiB): 200 KiB past the range, the next GET
    starts where the range ended; 300 KiB past, at the target."""
    key = big_on(local_endpoint)
    near = check_seek(local_endpoint, key, big_bam, 200 << 10, HTS_S3_READ_THROUGH="256")
    assert near[0][0] == FIRST_END, near
    far = check_seek(local_endpoint, key, big_bam, 300 << 10, HTS_S3_READ_THROUGH="256")
    assert far[0][0] == FIRST_END + (300 << 10), far


def test_a_read_through_distance_of_0_reads_through_nothing(s3rver, big_on, big_bam):
    spans = check_seek(s3rver, big_on(s3rver), big_bam, 1000, HTS_S3_READ_THROUGH="0")
    assert spans[0][0] == FIRST_END + 1000, spans


@pytest.mark.parametrize("link", LINKS)
def test_the_distance_is_a_round_trip_of_the_measured_link(s3rver, big_on, big_bam, link):
    """Shaped as a distant server (latency L before each answer, bandwidth B
    per connection): a seek of a third of L x B past the range reads on from
    the range's end; one of three times L x B starts a new range there."""
    shaping = LINKS[link]
    round_trip_bytes = int(shaping.latency * shaping.bandwidth)
    key = big_on(s3rver)
    near = check_seek(s3rver, key, big_bam, round_trip_bytes // 3, shaping)
    assert near[0][0] == FIRST_END, near
    far = check_seek(s3rver, key, big_bam, 3 * round_trip_bytes, shaping)
    assert far[0][0] == FIRST_END + 3 * round_trip_bytes, far


def fetch_loop(ep, key, big_bam, regions, shaping=None, **open_kw) -> dict:
    """A fetch() loop over *regions* of the big BAM in one open file, through
    the counting proxy; checks the records against the local file's and
    returns what the proxy saw."""
    proxy, env = ep.through(shaping=shaping)
    code = ("from tests.s3 import probe\nimport pysam\n"
            f"with pysam.AlignmentFile({ep.url(key)!r}, **{open_kw!r}) as f:\n"
            f"    result = probe.digest_open(f, 'alignments', {regions!r})\n")
    with proxy:
        outcome = run(code, env, timeout=150)
        proxy.wait_idle()
        seen = proxy.take()
    assert outcome.ok, str(outcome)
    assert outcome.result == probe.digest("alignments", str(big_bam), regions)
    return seen


def test_nearby_regions_of_one_open_file_read_as_one_stream(s3rver, big_on, big_bam):
    """200 sorted 1 kb regions of the 58 MB BAM through one fetch loop, 30 ms +
    50 MB/s: the records of the local file, in a few growing ranges (a GET per
    region before), together not much more than the file."""
    regions = sorted((c, s, s + 1000) for c, s, _ in datasets.big_regions(200, seed=28))
    seen = fetch_loop(s3rver, big_on(s3rver), big_bam, regions, shaping=LINKS["30 ms + 50 MB/s"])
    gets = [r for r in seen["log"] if r["method"] == "GET" and r["path"].endswith("big.bam")]
    assert len(gets) <= 40, [r["range"] for r in gets]
    assert seen["bytes"] <= 1.1 * big_bam.stat().st_size, [(r["range"], r["bytes"]) for r in gets]


def test_regions_through_a_bgzf_reader_thread_cost_a_request_each(s3rver, big_on, big_bam):
    """60 unsorted regions of the 58 MB BAM in one file opened with threads=4
    (htslib 0037). Its BGZF reader thread reads the first block as soon as the
    iterator seeks, and reads on past each region to fill its queue; each
    region still costs one ranged GET, give or take the first (it took three or
    more: a small range before the hint, one for it, then doubling ranges and
    read-ahead past it, 2.6x stock's time), and the records are the local file's."""
    regions = datasets.big_regions(60, seed=37)
    seen = fetch_loop(s3rver, big_on(s3rver), big_bam, regions, threads=4)
    gets = [(r["range"], r["bytes"]) for r in seen["log"] if r["method"] == "GET" and r["path"].endswith("big.bam")]
    # the open's four (the header in growing ranges, the EOF block), one per
    # region, and one more for each of the first few while the reader
    # thread's read-ahead is learnt, as many as its timing makes them (66 to
    # 72 GETs in all measured; without 0037: 181, about three per region)
    assert len(gets) <= 3 * len(regions) // 2, gets


@pytest.fixture
def cram_on_s3(s3rver, dataset, tmp_path):
    """(local CRAM, its key on s3rver, the reference keyword) of a 30,000-read
    CRAM: containers of hundreds of KB, two on the first contig."""
    cram = data.alignments(tmp_path / "many.cram", 30_000, fasta=dataset / "ref.fa", mode="wc", index="crai")
    key = s3rver.scratch("many.cram")
    for path in (cram, Path(f"{cram}.crai")):
        s3rver.client.upload_file(str(path), s3rver.bucket, s3rver.key(key + path.name.removeprefix("many.cram")))
    return cram, key, {"reference_filename": str(dataset / "ref.fa")}


def read_cram_region(s3rver, cram_on_s3, region) -> list[tuple[int, int]]:
    """The records of *region* read from S3 (checked against the local CRAM's),
    and the ranged GETs of the CRAM after the open's first."""
    cram, key, reference = cram_on_s3
    proxy, env = s3rver.through()
    with proxy:
        outcome = run(probe_call("read", "alignments", s3rver.url(key), region, **reference), env)
        log = proxy.take()["log"]
    assert outcome.ok, str(outcome)
    assert outcome.result == probe.read("alignments", str(cram), region, **reference)
    # (the open's first range holds the file's header and the first container's start)
    return outcome.result, [s for s in ranges(log, "many.cram") if s[0] != 0]


def test_a_cram_container_comes_in_one_range_after_its_header(s3rver, cram_on_s3):
    """A CRAM region query (htslib 0031): the container holding the region
    (hundreds of KB) comes in one range after the one that read its header,
    where the reader used to double from 64 KiB (64, 128, 256 KiB...); the
    records are the local ones."""
    contig, length = next(iter(data.CONTIGS.items()))
    _, container = read_cram_region(s3rver, cram_on_s3, [(contig, length // 2, length // 2 + 1000)])
    # the header in the open's first range or in one of its own, then the rest in one
    assert len(container) <= 2 and container[-1][1] - container[-1][0] + 1 > 4 * FIRST_RANGE, container


def containers(crai: Path) -> list[tuple[int, int, int]]:
    """(contig index, first position, container offset) of each slice a .crai lists."""
    with gzip.open(crai, "rt") as f:
        return [(int(c[0]), int(c[1]), int(c[3])) for c in (line.split("\t") for line in f)]


def test_a_cram_region_into_the_next_container_reads_that_container_and_no_more(s3rver, cram_on_s3):
    """A region that runs from one CRAM container into the next (htslib 0034):
    the first range holds the container and the next one's header, the second
    that container's blocks and the header after them, and nothing further: a
    range the reader said it needs is not a stream's (it used to come doubled,
    a container too many, and the read-ahead could send more after it)."""
    listed = containers(Path(f"{cram_on_s3[0]}.crai"))
    (tid, _, first), (tid2, boundary, second), (_, _, third) = listed[:3]
    assert tid == tid2 == 0, listed  # both on the first contig
    region = [(next(iter(data.CONTIGS)), boundary - 300, boundary + 300)]
    result, spans = read_cram_region(s3rver, cram_on_s3, region)
    starts = [int(line.split("\t")[3]) for line in next(iter(result.values()))]
    assert min(starts) < boundary <= max(starts), (boundary, starts)  # records of both containers
    assert len(spans) == 2 and first < spans[0][0] < second <= spans[0][1] < spans[1][0], (first, second, spans)
    # up to the third container's header (well under 1 KiB), not into its blocks
    assert third <= spans[1][1] < third + 1024, (spans, third)
