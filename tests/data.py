"""Deterministic genomic test files, written by the pysam under test.

Everything is generated from a seed: a reference FASTA (+.fai), a
coordinate-sorted BAM (+.bai or .csi), a CRAM against that reference
(+.crai), a VCF.gz (+.tbi), a BCF (+.csi) and a tabix-indexed BED.
"""

from __future__ import annotations

import random
from pathlib import Path

import pysam
import pysam.bcftools

CONTIGS = {"chr1": 60_000, "chr2": 40_000, "chrM": 5_000}
READ_LENGTH = 100


def reference(path: Path, contigs: dict[str, int] = CONTIGS, seed: int = 1) -> Path:
    rng = random.Random(seed)
    with open(path, "w") as f:
        for name, length in contigs.items():
            seq = "".join(rng.choice("ACGT") for _ in range(length))
            f.write(f">{name}\n")
            for i in range(0, length, 60):
                f.write(seq[i:i + 60] + "\n")
    pysam.faidx(str(path))
    return path


def _header(contigs: dict[str, int]) -> dict:
    return {"HD": {"VN": "1.6", "SO": "coordinate"},
            "SQ": [{"SN": n, "LN": ln} for n, ln in contigs.items()],
            "RG": [{"ID": "rg1", "SM": "sample1"}]}


def alignments(path: Path, n_reads: int, *, fasta: Path | None = None, index: str = "bai",
               contigs: dict[str, int] = CONTIGS, seed: int = 2, mode: str = "wb") -> Path:
    """A coordinate-sorted BAM (mode 'wb') or CRAM (mode 'wc', needs fasta) with reads
    copied from the reference (when given) or random, varied qualities, and an index."""
    rng = random.Random(seed)
    ref = pysam.FastaFile(str(fasta)) if fasta else None
    names = list(contigs)
    weights = [contigs[n] for n in names]
    reads = []
    for i in range(n_reads):
        contig = rng.choices(names, weights)[0]
        pos = rng.randrange(0, contigs[contig] - READ_LENGTH)
        seq = (ref.fetch(contig, pos, pos + READ_LENGTH) if ref else
               "".join(rng.choice("ACGT") for _ in range(READ_LENGTH)))
        reads.append((names.index(contig), pos, i, seq))
    reads.sort()
    kwargs = {"reference_filename": str(fasta)} if mode == "wc" else {}
    with pysam.AlignmentFile(str(path), mode, header=_header(contigs), **kwargs) as out:
        for tid, pos, i, seq in reads:
            a = pysam.AlignedSegment(out.header)
            a.query_name = f"read{i:07d}"
            a.reference_id, a.reference_start = tid, pos
            a.mapping_quality = rng.randrange(0, 61)
            a.cigartuples = [(0, READ_LENGTH)]
            a.flag = 16 if rng.random() < 0.5 else 0
            a.query_sequence = seq
            a.query_qualities = pysam.qualitystring_to_array(
                "".join(chr(33 + rng.randrange(2, 41)) for _ in range(READ_LENGTH)))
            a.set_tag("AS", rng.randrange(0, 100))
            a.set_tag("RG", "rg1")  # last: CRAM decodes RG after the other tags
            out.write(a)
    if index == "csi":
        pysam.index("-c", str(path))
    elif index:
        pysam.index(str(path))
    return path


VCF_HEADER = """##fileformat=VCFv4.2
##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">
"""


def variants(path: Path, n_records: int, *, contigs: dict[str, int] = CONTIGS, seed: int = 3,
             samples: tuple[str, ...] = ("s1", "s2", "s3")) -> Path:
    """A VCF.gz (+.tbi) or, for a .bcf path, a BCF (+.csi), with sorted records."""
    rng = random.Random(seed)
    header = pysam.VariantHeader()
    for line in VCF_HEADER.strip().splitlines()[1:]:
        header.add_line(line)
    for name, length in contigs.items():
        header.contigs.add(name, length=length)
    for s in samples:
        header.add_sample(s)
    sites = sorted({(list(contigs).index(c), rng.randrange(1, contigs[c]))
                    for c in rng.choices(list(contigs), k=n_records)})
    # BCF (+.csi), bgzipped VCF (+.tbi), or plain VCF text (no index) for a path ending .vcf
    mode = "wb" if str(path).endswith(".bcf") else "wz" if str(path).endswith(".gz") else "w"
    with pysam.VariantFile(str(path), mode, header=header) as out:
        for tid, pos in sites:
            ref, alt = rng.sample("ACGT", 2)
            rec = out.new_record(contig=list(contigs)[tid], start=pos - 1, alleles=(ref, alt),
                                 qual=rng.randrange(10, 99), filter="PASS")
            rec.info["DP"] = rng.randrange(5, 200)
            for s in samples:
                rec.samples[s]["GT"] = rng.choice([(0, 0), (0, 1), (1, 1)])
                rec.samples[s]["GQ"] = rng.randrange(1, 99)
            out.write(rec)
    if mode == "wb":
        pysam.bcftools.index(str(path))  # .csi
    elif mode == "wz":
        pysam.tabix_index(str(path), preset="vcf", force=True)  # .tbi
    return path


def bed(path: Path, n_records: int, *, contigs: dict[str, int] = CONTIGS, seed: int = 4) -> Path:
    """A bgzipped, tabix-indexed BED (path ends .bed.gz)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n_records):
        c = rng.choice(list(contigs))
        start = rng.randrange(0, contigs[c] - 500)
        rows.append((list(contigs).index(c), start, start + rng.randrange(1, 500), f"feature{i}"))
    rows.sort()
    plain = Path(str(path).removesuffix(".gz"))
    plain.write_text("".join(f"{list(contigs)[t]}\t{s}\t{e}\t{n}\n" for t, s, e, n in rows))
    pysam.tabix_index(str(plain), preset="bed", force=True)  # writes plain.gz + .tbi, removes plain
    return path


# --- reading back, as comparable values ----------------------------------

# CRAM decoding adds MD/NM tags unless told not to; compare records as stored.
CRAM_AS_STORED = ["decode_md=0"]

def reads(af: pysam.AlignmentFile, *region) -> list[str]:
    it = af.fetch(*region) if region else af.fetch(until_eof=True)
    return [r.to_string() for r in it]


def records(vf: pysam.VariantFile, *region) -> list[str]:
    return [str(r) for r in (vf.fetch(*region) if region else vf)]
