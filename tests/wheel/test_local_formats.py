"""Local files written and read back through the installed pysam: every
format and index the S3 suite uses, compared record for record."""

from __future__ import annotations

import pysam
import pytest

from tests import data

REGIONS = [("chr1", 1_000, 9_000), ("chr2", 0, 40_000), ("chrM", 100, 4_000)]


@pytest.fixture
def fasta(tmp_path):
    return data.reference(tmp_path / "ref.fa")


def written_reads(fasta, path, **kw):
    """Reads as written: regenerate the same seed into SAM text for comparison."""
    data.alignments(path, 3_000, fasta=fasta, **kw)
    return path


@pytest.mark.parametrize("index", ["bai", "csi"])
def test_bam_with_index_round_trip(tmp_path, fasta, index):
    bam = written_reads(fasta, tmp_path / "x.bam", index=index)
    assert (tmp_path / f"x.bam.{index}").exists()
    sam = tmp_path / "x.sam"
    data.alignments(sam, 3_000, fasta=fasta, index="", mode="w")
    with pysam.AlignmentFile(str(bam)) as b, pysam.AlignmentFile(str(sam)) as s:
        everything = data.reads(b)
        assert everything == data.reads(s)
        assert len(everything) == 3_000
        for region in REGIONS:
            got = data.reads(b, *region)
            expected = [r for r in everything if _overlaps(r, *region)]
            assert got == expected and got


def _overlaps(sam_line: str, contig: str, start: int, end: int) -> bool:
    f = sam_line.split("\t")
    pos = int(f[3]) - 1
    return f[2] == contig and pos < end and pos + data.READ_LENGTH > start


def test_cram_with_reference_round_trip(tmp_path, fasta):
    bam = written_reads(fasta, tmp_path / "x.bam")
    cram = data.alignments(tmp_path / "x.cram", 3_000, fasta=fasta, mode="wc", index="crai")
    assert (tmp_path / "x.cram.crai").exists()
    with pysam.AlignmentFile(str(bam)) as b, \
            pysam.AlignmentFile(str(cram), reference_filename=str(fasta),
                                format_options=data.CRAM_AS_STORED) as c:
        assert data.reads(c) == data.reads(b)
        for region in REGIONS:
            assert data.reads(c, *region) == data.reads(b, *region)


@pytest.mark.parametrize("name, index", [("x.vcf.gz", "x.vcf.gz.tbi"), ("x.bcf", "x.bcf.csi")])
def test_variants_with_index_round_trip(tmp_path, name, index):
    path = data.variants(tmp_path / name, 2_000)
    assert (tmp_path / index).exists()
    plain = data.variants(tmp_path / "plain.vcf", 2_000)  # same seed, plain text: another writer and reader
    with pysam.VariantFile(str(path)) as v, pysam.VariantFile(str(plain)) as p:
        everything = data.records(v)
        assert everything == data.records(p)
        assert len(everything) > 1_900
        for region in REGIONS:
            got = data.records(v, *region)
            assert got == [r for r in everything if r.split("\t")[0] == region[0]
                           and region[1] < int(r.split("\t")[1]) <= region[2]]
            assert got


def test_tabix_bed_and_fasta(tmp_path, fasta):
    bed = data.bed(tmp_path / "x.bed.gz", 500)
    with pysam.TabixFile(str(bed)) as t:
        rows = list(t.fetch("chr1", 0, 60_000))
        assert rows and all(r.startswith("chr1\t") for r in rows)
    with pysam.FastaFile(str(fasta)) as f:
        assert f.references == list(data.CONTIGS)
        seq = f.fetch("chr2", 100, 200)
        assert len(seq) == 100 and set(seq) <= set("ACGT")
