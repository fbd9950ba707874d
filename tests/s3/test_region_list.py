"""pysam_s3.fetch_regions(): many regions of one open file (htslib 0032,
pysam 0006). The records are those of a loop of fetch() calls, in its order,
on every server and format; on S3 the upcoming regions' blocks are fetched
ahead, several ranges at once, within the memory bound (4 x HTS_S3_PREFETCH
ranges in flight, none over 2 MiB: HTS_S3_PREFETCH of the largest range),
and a range that fails in flight is read again the ordinary way. Checked by content and by what the counting proxy
sees, never by time."""

from __future__ import annotations

import random
import re

import pysam
import pytest

from testkit.proxies.faults import CutShort, first_attempts
from testkit.proxies.s3 import Shaping
from tests import data
from tests.conftest import ROOT
from tests.s3 import datasets, probe
from tests.s3.runner import probe_call, run
from tests.s3.test_readahead import ranges

pytestmark = pytest.mark.timeout(240)

FAR = Shaping(latency=0.030, bandwidth=50e6)
PLAN_PIECE = 2 << 20  # a quarter of the largest range
PLAN_SLOTS = 4  # x HTS_S3_PREFETCH
REFERENCE = object()  # stand-in for the local reference a CRAM is read with

# file -> (kind, open keywords)
FILES = {
    "reads.bam": ("alignments", {}),
    "reads_csi.bam": ("alignments", {}),
    "reads.cram": ("alignments", {"reference_filename": REFERENCE, "format_options": data.CRAM_AS_STORED}),
    "calls.vcf.gz": ("variants", {}),
    "calls.bcf": ("variants", {}),
}


def small_regions(n: int = 40, seed: int = 32) -> list[tuple[str, int, int]]:
    """Out of order, some overlapping, one repeated, one past a contig's end."""
    rng = random.Random(seed)
    regions = []
    for _ in range(n):
        contig = rng.choice(list(data.CONTIGS))
        start = rng.randrange(data.CONTIGS[contig] - 1_000)
        regions.append((contig, start, start + rng.randrange(10, 3_000)))
    return regions + [regions[3], ("chr1", 10_000, 10_500), ("chr1", 10_200, 10_900), ("chrM", 4_900, 9_000)]


def opened(kw: dict, dataset) -> dict:
    return {k: str(dataset / "ref.fa") if v is REFERENCE else v for k, v in kw.items()}


@pytest.mark.parametrize("name", FILES)
def test_the_records_are_those_of_a_fetch_loop(data_endpoint, dataset, name):
    """Every server, every indexed format: fetch_regions() on the S3 URL yields
    what a fetch() loop yields on the local file, record for record, in order
    (a record in two regions twice); so does fetch_regions() on the local file."""
    kind, kw = FILES[name]
    regions = small_regions()
    expected = probe.loop_regions(kind, str(dataset / name), regions, **opened(kw, dataset))
    assert len(expected) > 100
    assert probe.fetch_regions(kind, str(dataset / name), regions, **opened(kw, dataset)) == expected
    outcome = run(probe_call("fetch_regions", kind, data_endpoint.url(f"data/{name}"), regions,
                             **opened(kw, dataset)), data_endpoint.env())
    assert outcome.ok, str(outcome)
    assert outcome.result == expected


def test_a_region_the_loop_refuses_is_refused_in_its_turn(s3rver, dataset):
    """An unknown contig: the records of the regions before it come, then the
    ValueError that fetch() raises for it."""
    regions = [("chr1", 100, 2_000), ("chr9", 0, 100), ("chr2", 0, 1_000)]
    code = ("import pysam, pysam_s3\nresult = []\n"
            f"with pysam.AlignmentFile({s3rver.url('data/reads.bam')!r}) as f:\n"
            "    try:\n"
            f"        for r in pysam_s3.fetch_regions(f, {regions!r}):\n"
            "            result.append(r.to_string())\n"
            "    except ValueError as e:\n"
            "        result.append(f'ValueError: {e}')\n")
    outcome = run(code, s3rver.env())
    assert outcome.ok, str(outcome)
    first = probe.loop_regions("alignments", str(dataset / "reads.bam"), regions[:1])
    assert outcome.result[:-1] == first and len(first) > 10
    assert outcome.result[-1].startswith("ValueError: ") and "chr9" in outcome.result[-1], outcome.result[-1]


def test_readme_example(s3rver, dataset, isolated):
    """The README's example, its URL and targets pointed at the test data,
    prints the reads a local fetch loop gives."""
    text = (ROOT / "README.md").read_text()
    script = text.split("<!-- region-list-example -->", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert '"s3://genomes/cohort/reads.bam"' in script and "targets = [" in script
    targets = [("chr2", 1_000, 3_000), ("chr1", 5_000, 9_000), "chrM:101-2000"]
    script = script.replace('"s3://genomes/cohort/reads.bam"', repr(s3rver.url("data/reads.bam")))
    script = re.sub(r"^targets = .*$", f"targets = {targets!r}", script, flags=re.M)
    (isolated / "example.py").write_text(script)
    code = ("import runpy, io, contextlib\nout = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n    runpy.run_path('example.py', run_name='__main__')\n"
            "result = out.getvalue().splitlines()\n")
    outcome = run(code, s3rver.env(), timeout=120)
    assert outcome.ok, str(outcome)
    with pysam.AlignmentFile(str(dataset / "reads.bam")) as bam:
        local = [f"{r.query_name} {r.reference_name} {r.reference_start}"
                 for t in targets for r in (bam.fetch(region=t) if isinstance(t, str) else bam.fetch(*t))]
    assert outcome.result == local and len(local) > 50


def big_through(ep, key, regions, rule=None, open_kw=None, **env):
    """fetch_regions() over *regions* of the big BAM through the counting
    proxy at 30 ms + 50 MB/s: (digest of the records, what the proxy saw)."""
    proxy, full_env = ep.through(rule, shaping=FAR, **env)
    code = ("from tests.s3 import probe\n"
            f"result = probe.digest_records(probe.fetch_regions('alignments', {ep.url(key)!r}, {regions!r}, "
            f"**{open_kw or {}!r}))\n")
    with proxy:
        outcome = run(code, full_env, timeout=200)
        proxy.wait_idle()
        seen = proxy.take()
    assert outcome.ok, str(outcome)
    return outcome.result, seen


def loop_digest(big_bam, regions):
    return probe.digest_records(probe.loop_regions("alignments", str(big_bam), regions))


def unsorted_regions(n: int = 300) -> list[tuple[str, int, int]]:
    return [(c, s, s + 1000) for c, s, _ in datasets.big_regions(n, seed=32)]


def test_upcoming_regions_are_fetched_ahead_in_parallel(s3rver, big_on, big_bam):
    """300 unsorted 1 kb regions of the 58 MB BAM: the loop's records; the
    regions' ranges several at once (as many as 4 x HTS_S3_PREFETCH, the
    reader's own request beside them), about one GET per region, none over
    2 MiB."""
    regions = unsorted_regions()
    digest, seen = big_through(s3rver, big_on(s3rver), regions)
    assert digest == loop_digest(big_bam, regions)
    spans = ranges(seen["log"], "big.bam")
    assert 9 <= seen["most_at_once"] <= PLAN_SLOTS * 4 + 1, seen["most_at_once"]
    assert len(spans) <= len(regions) + 10, len(spans)
    assert max(last - first + 1 for first, last in spans) <= PLAN_PIECE


def test_the_ranges_in_flight_stay_within_the_bound(s3rver, big_on, big_bam):
    """HTS_S3_PREFETCH=2: at most 8 ranges ahead beside the reader's own."""
    regions = unsorted_regions(60)
    digest, seen = big_through(s3rver, big_on(s3rver), regions, HTS_S3_PREFETCH="2")
    assert digest == loop_digest(big_bam, regions)
    assert 5 <= seen["most_at_once"] <= PLAN_SLOTS * 2 + 1, seen["most_at_once"]


def test_sorted_regions_close_together_come_in_few_ranges(s3rver, big_on, big_bam):
    """300 sorted regions: those closer than a round trip's worth of bytes
    apart come as one plan range, in pieces of at most 2 MiB: a few dozen
    GETs, not much more than the file."""
    regions = sorted(unsorted_regions())
    digest, seen = big_through(s3rver, big_on(s3rver), regions)
    assert digest == loop_digest(big_bam, regions)
    spans = ranges(seen["log"], "big.bam")
    assert len(spans) <= 60, spans
    assert max(last - first + 1 for first, last in spans) <= PLAN_PIECE
    assert seen["bytes"] <= 1.1 * big_bam.stat().st_size


def test_a_range_failing_in_flight_is_read_again(s3rver, big_on, big_bam):
    """Every first attempt of a GET of the big BAM is cut short, those of the
    ranges sent ahead too: the records are still the loop's."""
    regions = unsorted_regions(40)
    digest, seen = big_through(s3rver, big_on(s3rver), regions, first_attempts(CutShort(), path_has="big.bam"))
    assert digest == loop_digest(big_bam, regions)
    cut = [r for r in seen["log"] if r["fault"] and r["path"].endswith("big.bam")]
    assert len(cut) >= len(regions) // 2, len(cut)


def test_a_reader_thread_of_its_own_takes_the_plan_up(s3rver, big_on, big_bam):
    """threads=4 (BGZF decompression threads, one of them doing the reads):
    the plan is handed over at the reader's next seek; the loop's records,
    ranges still several at once."""
    regions = unsorted_regions(60)
    digest, seen = big_through(s3rver, big_on(s3rver), regions, open_kw={"threads": 4})
    assert digest == loop_digest(big_bam, regions)
    assert seen["most_at_once"] >= 5, seen["most_at_once"]
