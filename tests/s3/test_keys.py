"""Keys with non-ASCII and reserved characters: the object pysam writes is
stored under exactly the key given (boto3 reads it back), and pysam reads, with
its index, what boto3 put under such a key. htslib sent "ü" as "%FF%FF"."""

from __future__ import annotations

import pytest

from tests.s3.checks import REGION, assert_same_records
from tests.s3 import probe
from tests.s3.runner import probe_call, run

pytestmark = pytest.mark.timeout(60)

KEYS = {
    "non-ascii": "ünïcødé-Ωμέγα-样本.bam",
    "reserved": "a b+c=d,e;f@g:h$i&j'k(l)m!n*[o].bam",
}


@pytest.mark.parametrize("kind", KEYS)
def test_pysam_writes_under_exactly_the_key_given(endpoint, dataset, isolated, kind):
    key = endpoint.scratch(KEYS[kind])
    outcome = run(probe_call("copy", "alignments", str(dataset / "reads.bam"), [endpoint.url(key), "local.bam"],
                             "wb"), endpoint.env())
    assert outcome.ok, str(outcome)
    listed = endpoint.client.list_objects_v2(Bucket=endpoint.bucket, Prefix=endpoint.key(key.rsplit("/", 1)[0]))
    assert [o["Key"] for o in listed.get("Contents", [])] == [endpoint.key(key)]
    assert endpoint.get(key) == (isolated / "local.bam").read_bytes()


@pytest.mark.parametrize("kind", KEYS)
def test_pysam_reads_what_boto3_put_under_such_a_key(endpoint, dataset, kind):
    name = f"keys/{KEYS[kind]}"
    endpoint.upload({name: dataset / "reads.bam", f"{name}.bai": dataset / "reads.bam.bai"})
    outcome = run(probe_call("read", "alignments", endpoint.url(name), REGION), endpoint.env())
    assert_same_records(outcome, probe.read("alignments", str(dataset / "reads.bam"), REGION))
