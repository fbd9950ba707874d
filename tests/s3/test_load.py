"""Under load and over time: 32 threads and 8 processes reading different
regions of the same objects at once, and a soak of 2,000 region queries in one
process. Every answer must equal a local read; the soak must not grow open
descriptors, sockets or resident memory beyond the bounds below (measured on
this project's CI machine: README, "Reliability")."""

from __future__ import annotations

import pytest

from tests.s3 import probe
from tests.s3.runner import run

pytestmark = pytest.mark.timeout(300)

OBJECTS = ["reads.bam", "other.bam"]
# 16 regions across the three contigs of tests/data.py (chr1 60 kb, chr2 40 kb, chrM 5 kb)
REGIONS = ([("chr1", s, s + 9_000) for s in range(0, 60_000, 7_500)]
           + [("chr2", s, s + 8_000) for s in range(0, 40_000, 7_000)]
           + [("chrM", 0, 2_500), ("chrM", 2_000, 5_000)])

# Soak bounds: growth from the sample after the first 200 queries (connections
# and caches warm) to the end of 2,000.
SOAK = {"queries": 2_000, "reopen_every": 20, "sample_every": 100}
MAX_GROWTH = {"fds": 0, "sockets": 0, "rss_kib": 4 * 1024}


def expected(dataset, jobs):
    return {f"{url}|{probe.region_name(region)}":
            probe.read("alignments", str(dataset / url.rsplit("/", 1)[1]), [region])[probe.region_name(region)]
            for url, region in jobs}


def assert_all_equal(got: dict, want: dict) -> None:
    assert sum(map(len, want.values())) > 1000, "the local reads found too little to prove anything"
    assert set(got) == set(want)
    wrong = [k for k in want if got[k] != want[k]]
    assert not wrong, f"{len(wrong)} of {len(want)} answers differ from the local read, e.g. {wrong[:3]}"


def test_32_threads_read_the_same_objects_at_once(local_endpoint, dataset):
    jobs = [(local_endpoint.url(f"data/{name}"), region) for name in OBJECTS for region in REGIONS]
    assert len(jobs) == 32
    outcome = run(f"from tests.s3 import probe\nresult = probe.read_in_threads('alignments', {jobs!r}, 32)\n",
                  local_endpoint.env(), timeout=240)
    assert outcome.ok, str(outcome)
    assert_all_equal(outcome.result, expected(dataset, jobs))


POOL = """
import multiprocessing as mp
from tests.s3 import probe

with mp.get_context("spawn").Pool(8) as pool:
    answers = pool.starmap(probe.read_in_worker, [("alignments", url, [region]) for url, region in {jobs!r}],
                           chunksize=1)
result = {{"pids": len({{pid for pid, _ in answers}}),
          "records": {{f"{{url}}|{{name}}": records for (url, _), (_, d) in zip({jobs!r}, answers)
                      for name, records in d.items()}}}}
"""


def test_8_processes_read_the_same_objects_at_once(local_endpoint, dataset):
    jobs = [(local_endpoint.url(f"data/{name}"), region) for name in OBJECTS for region in REGIONS]
    outcome = run(POOL.format(jobs=jobs), local_endpoint.env(), timeout=240)
    assert outcome.ok, str(outcome)
    assert outcome.result["pids"] > 1, outcome.result["pids"]
    assert_all_equal(outcome.result["records"], expected(dataset, jobs))


def test_a_soak_of_2000_region_queries_holds_descriptors_sockets_and_memory(moto, dataset):
    url = moto.url("data/reads.bam")
    outcome = run(f"from tests.s3 import probe\nresult = probe.soak('alignments', {url!r}, {REGIONS!r}, "
                  f"{SOAK['queries']}, {SOAK['reopen_every']}, {SOAK['sample_every']})\n",
                  moto.env(), timeout=280)
    assert outcome.ok, str(outcome)
    local = probe.digest("alignments", str(dataset / "reads.bam"), REGIONS)
    assert outcome.result["answers"] == {name: [d["sha256"]] for name, d in local.items()}
    samples = outcome.result["samples"]
    assert samples[-1]["queries"] == SOAK["queries"]
    warm, end = samples[1], samples[-1]  # after 200 queries, after 2,000
    growth = {k: end[k] - warm[k] for k in MAX_GROWTH}
    print(f"soak: {warm} -> {end}: growth {growth}")
    over = {k: v for k, v in growth.items() if v > MAX_GROWTH[k]}
    assert not over, f"grew beyond the bounds {MAX_GROWTH}: {over}; samples {samples}"
