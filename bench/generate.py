"""Writes the benchmark's data with the pysam of the venv it runs in (the
"ours" venv): `python -I generate.py RESULT.json SPEC.json OUTDIR`.

Run as a script with -I, so nothing of the source tree is importable and the
pysam under test is the venv's. Everything comes from the seed in SPEC, so a
data set is the same on every machine and can be cached by its parameters
(bench/data.py). Fast on purpose (bytes.translate instead of per-base random
calls): the large S3 BAM has millions of reads.

SPEC kinds:
  dataset  reference FASTA (+.fai), coordinate-sorted BAM (+.bai), the same
           reads as CRAM against the reference (+.crai), VCF.gz (+.tbi), the
           same records as BCF (+.csi)
  bam      just a BAM (+.bai) over the same reference (the large S3 BAM)
"""

import array
import json
import random
import sys
import time
from pathlib import Path

import pysam
import pysam.bcftools

_ACGT = bytes.maketrans(bytes(range(256)), b"ACGT" * 64)
# Qualities skewed to the high end like a short-read run: 60 % in 35-41,
# 25 % in 25-34, 15 % in 2-24. Varied, so they compress like real ones, not
# like a constant.
_QUALITY_VALUES = bytes([35 + b % 7 for b in range(154)] + [25 + b % 10 for b in range(64)]
                        + [2 + b % 23 for b in range(38)])
_QUALITY = bytes.maketrans(bytes(range(256)), _QUALITY_VALUES)
_SUBSTITUTE = {"A": "C", "C": "G", "G": "T", "T": "A"}


def reference_sequences(contigs: dict, seed: int) -> dict:
    rng = random.Random(seed)
    return {name: rng.randbytes(length).translate(_ACGT).decode() for name, length in contigs.items()}


def write_reference(path: Path, sequences: dict) -> None:
    with open(path, "w") as f:
        for name, seq in sequences.items():
            f.write(f">{name}\n")
            f.writelines(seq[i:i + 60] + "\n" for i in range(0, len(seq), 60))
    pysam.faidx(str(path))


def write_bam(path: Path, sequences: dict, reads: int, read_length: int, seed: int) -> int:
    """Reads copied from the reference with 0-2 substitutions each, spread over
    the contigs by length, 150M CIGARs, both strands, NM/AS/RG tags."""
    rng = random.Random(seed)
    total = sum(len(s) for s in sequences.values())
    header = {"HD": {"VN": "1.6", "SO": "coordinate"},
              "SQ": [{"SN": name, "LN": len(seq)} for name, seq in sequences.items()],
              "RG": [{"ID": "rg1", "SM": "sample1", "PL": "ILLUMINA"}]}
    pool = rng.randbytes(1 << 20).translate(_QUALITY)  # qualities are slices at random offsets
    written = 0
    with pysam.AlignmentFile(str(path), "wb", header=header, threads=2) as out:
        for tid, (name, seq) in enumerate(sequences.items()):
            n = reads - written if tid == len(sequences) - 1 else round(reads * len(seq) / total)
            for pos in sorted(rng.randrange(len(seq) - read_length) for _ in range(n)):
                bases = seq[pos:pos + read_length]
                mismatches = rng.choice((0, 0, 0, 1, 1, 2))
                for _ in range(mismatches):
                    j = rng.randrange(read_length)
                    bases = bases[:j] + _SUBSTITUTE[bases[j]] + bases[j + 1:]
                offset = rng.randrange(len(pool) - read_length)
                a = pysam.AlignedSegment(out.header)
                a.query_name = f"bench.{written:09d}"
                a.flag = 16 if rng.random() < 0.5 else 0
                a.reference_id, a.reference_start = tid, pos
                a.mapping_quality = 0 if written % 23 == 0 else 60
                a.cigartuples = [(0, read_length)]
                a.query_sequence = bases
                a.query_qualities = array.array("B", pool[offset:offset + read_length])
                a.set_tags([("NM", mismatches), ("AS", read_length - 6 * mismatches), ("RG", "rg1")])
                out.write(a)
                written += 1
    pysam.index(str(path))
    return written


def write_variants(path: Path, sequences: dict, records: int, samples: list, seed: int) -> int:
    """SNVs at sorted random sites, REF from the reference, GT:DP:GQ per sample;
    written as text, then bgzipped and indexed by tabix."""
    rng = random.Random(seed)
    total = sum(len(s) for s in sequences.values())
    lines = ["##fileformat=VCFv4.2",
             '##FILTER=<ID=PASS,Description="All filters passed">',
             '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total depth">',
             '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
             '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
             *(f"##contig=<ID={name},length={len(seq)}>" for name, seq in sequences.items()),
             "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples])]
    written = 0
    for tid, (name, seq) in enumerate(sequences.items()):
        n = records - written if tid == len(sequences) - 1 else round(records * len(seq) / total)
        for pos in sorted(rng.sample(range(1, len(seq) + 1), n)):
            ref = seq[pos - 1]
            calls = []
            for _ in samples:
                dp = rng.randrange(4, 80)
                calls.append(f"{rng.choice(('0/0', '0/0', '0/1', '1/1', './.'))}:{dp}:{rng.randrange(1, 99)}")
            lines.append(f"{name}\t{pos}\t.\t{ref}\t{_SUBSTITUTE[ref]}\t{rng.randrange(10, 250)}\tPASS\t"
                         f"DP={rng.randrange(20, 400)};AF={rng.random():.3f}\tGT:DP:GQ\t" + "\t".join(calls))
            written += 1
    plain = Path(str(path).removesuffix(".gz"))
    plain.write_text("\n".join(lines) + "\n")
    pysam.tabix_index(str(plain), preset="vcf", force=True)  # writes plain.gz + .tbi, removes plain
    return written


def write_bcf(vcf: Path, bcf: Path) -> None:
    """The VCF.gz's records as BCF (bcftools view -Ob, through VariantFile), indexed (.csi)."""
    with pysam.VariantFile(str(vcf)) as records, pysam.VariantFile(str(bcf), "wb", header=records.header) as out:
        for record in records:
            out.write(record)
    pysam.bcftools.index(str(bcf))


def main() -> None:
    result_path, spec_path, out = sys.argv[1:]
    spec, out = json.loads(Path(spec_path).read_text()), Path(out)
    start = time.perf_counter()
    sequences = reference_sequences(spec["contigs"], spec["seed"])
    report = {"reads": write_bam(out / "reads.bam", sequences, spec["reads"], spec["read_length"], spec["seed"] + 1)}
    if spec["kind"] == "dataset":
        write_reference(out / "ref.fa", sequences)
        pysam.view("-C", "-T", str(out / "ref.fa"), "-o", str(out / "reads.cram"), str(out / "reads.bam"),
                   catch_stdout=False)
        pysam.index(str(out / "reads.cram"))
        report["vcf_records"] = write_variants(out / "calls.vcf.gz", sequences, spec["vcf_records"],
                                               spec["samples"], spec["seed"] + 2)
        write_bcf(out / "calls.vcf.gz", out / "calls.bcf")
    report["seconds"] = time.perf_counter() - start
    Path(result_path).write_text(json.dumps(report))


if __name__ == "__main__":
    main()
