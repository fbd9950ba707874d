"""Every format the wheel reads, from S3 on each endpoint, compared record for
record with the same file read locally by the same code (tests/s3/probe.py)."""

from __future__ import annotations

import pytest

from tests import data
from tests.s3 import datasets, probe
from tests.s3.checks import assert_same_records
from tests.s3.runner import probe_call, run

pytestmark = pytest.mark.timeout(90)

SCOPES = {
    "region": [("chr1", 10_000, 12_000)],
    "many-regions": [("chr1", 0, 500), ("chr1", 20_000, 21_000), ("chr1", 59_500, 60_000),
                     ("chr2", 100, 5_000), ("chr2", 17_000, 17_050), ("chr2", 30_000, 40_000),
                     ("chrM", 0, 5_000), ("chr1", 40_000, 45_000), ("chr2", 0, 100), ("chr1", 33_333, 33_334)],
    "whole-file": [None],
}

LOCAL_REF, S3_REF = object(), object()  # stand-ins for where the CRAM's reference is

# id -> (kind of file, file name, keywords to open it with)
FORMATS = {
    "bam-bai": ("alignments", "reads.bam", {}),
    "bam-csi": ("alignments", "reads_csi.bam", {}),
    "cram-local-ref": ("alignments", "reads.cram",
                       {"reference_filename": LOCAL_REF, "format_options": data.CRAM_AS_STORED}),
    "cram-s3-ref": ("alignments", "reads.cram",
                    {"reference_filename": S3_REF, "format_options": data.CRAM_AS_STORED}),
    "vcf-tbi": ("variants", "calls.vcf.gz", {}),
    "bcf-csi": ("variants", "calls.bcf", {}),
    "bed-tbi": ("tabix", "features.bed.gz", {}),
    "fasta-fai": ("fasta", "ref.fa", {}),
}


def keywords(kw: dict, dataset, endpoint=None) -> dict:
    """Open keywords with the reference placed: local for local reads, and on S3
    (next to its .fai there) for S3_REF when reading through *endpoint*."""
    ref = {LOCAL_REF: str(dataset / "ref.fa"),
           S3_REF: endpoint.url("data/ref.fa") if endpoint else str(dataset / "ref.fa")}
    return {k: ref.get(v, v) if k == "reference_filename" else v for k, v in kw.items()}


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_read_matches_local(data_endpoint, dataset, fmt, scope):
    kind, name, kw = FORMATS[fmt]
    regions = SCOPES[scope]
    expected = probe.read(kind, str(dataset / name), regions, **keywords(kw, dataset))
    endpoint = data_endpoint
    outcome = run(probe_call("read", kind, endpoint.url(f"data/{name}"), regions,
                             **keywords(kw, dataset, endpoint)), endpoint.env())
    assert_same_records(outcome, expected)


# The index given as a second URL: the file sits under explicit/ without an index
# next to it, so the read works only if the given index is used. Stock htslib
# downloaded it into the CWD for some formats; ours keeps it in its cache
# (tests/s3/test_indexes.py) or reads it in place, never in the CWD.
INDEX_KEYWORD = {  # id -> (kind, file, keyword)
    "bam-index_filename": ("alignments", "reads.bam", "index_filename"),
    "bam-filepath_index": ("alignments", "reads.bam", "filepath_index"),
    "cram-index_filename": ("alignments", "reads.cram", "index_filename"),
    "vcf-index_filename": ("variants", "calls.vcf.gz", "index_filename"),
    "bcf-index_filename": ("variants", "calls.bcf", "index_filename"),
    "bed-index": ("tabix", "features.bed.gz", "index"),
}


@pytest.mark.parametrize("case", INDEX_KEYWORD)
def test_index_given_as_a_second_url(endpoint, dataset, case):
    kind, name, keyword = INDEX_KEYWORD[case]
    regions = SCOPES["many-regions"]
    extra = {"reference_filename": str(dataset / "ref.fa"), "format_options": data.CRAM_AS_STORED} \
        if name.endswith(".cram") else {}
    expected = probe.read(kind, str(dataset / name), regions, **extra)
    index_url = endpoint.url(f"explicit/idx/{datasets.EXPLICIT_INDEX[name]}")
    outcome = run(probe_call("read", kind, endpoint.url(f"explicit/{name}"), regions,
                             **{keyword: index_url}, **extra), endpoint.env())
    assert_same_records(outcome, expected)
    assert outcome.cwd_files == []


def test_fasta_with_its_index_given_by_url(endpoint, dataset):
    """FastaFile(filepath_index=S3 URL) used to be refused by pysam's own
    os.path.exists check; the index is now read from where the URL says."""
    regions = SCOPES["many-regions"]
    index_url = endpoint.url(f"explicit/idx/{datasets.EXPLICIT_INDEX['ref.fa']}")
    outcome = run(probe_call("read", "fasta", endpoint.url("explicit/ref.fa"), regions,
                             filepath_index=index_url), endpoint.env())
    assert_same_records(outcome, probe.read("fasta", str(dataset / "ref.fa"), regions))
    assert outcome.cwd_files == []


def test_fasta_index_is_read_in_place(endpoint, dataset):
    """Unlike the other indexes (test_failures), a .fai is read where it is:
    nothing lands in the CWD."""
    regions = SCOPES["many-regions"]
    outcome = run(probe_call("read", "fasta", endpoint.url("data/ref.fa"), regions), endpoint.env())
    assert_same_records(outcome, probe.read("fasta", str(dataset / "ref.fa"), regions))
    assert outcome.cwd_files == []
