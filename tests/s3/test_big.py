"""A BAM of more than 50 MB (cached in build/test-data/), so reads span many
1 MiB parts: many regions and full streaming, compared by a digest of every
record with the same reads done locally."""

from __future__ import annotations

import pytest

from tests.s3 import datasets, probe
from tests.s3.runner import probe_call, run

pytestmark = pytest.mark.timeout(180)

SCOPES = {"many-regions": datasets.big_regions(), "whole-file": [None]}


@pytest.fixture(scope="module")
def local_digests(big_bam):
    return {scope: probe.digest("alignments", str(big_bam), regions) for scope, regions in SCOPES.items()}


@pytest.mark.parametrize("scope", SCOPES)
def test_big_bam_matches_local(endpoint, big_on, local_digests, scope):
    expected = local_digests[scope]
    records = sum(d["records"] for d in expected.values())
    assert records > (150_000 if scope == "whole-file" else 1_000)
    outcome = run(probe_call("digest", "alignments", endpoint.url(big_on(endpoint)), SCOPES[scope]),
                  endpoint.env(), timeout=150)
    assert outcome.ok, str(outcome)
    assert outcome.result == expected, f"digests differ ({records} records expected)"
