"""The files the S3 tests read and write, generated with tests/data.py (plus
two fast generators for big files here), and where they go in the bucket.

* small():  every format with its index, generated once per session.
* big_bam(): a BAM of more than 50 MB, cached across runs in build/test-data/.
* wide_vcf(): a plain VCF whose compressed form is more than 5 MiB (multipart writes).
"""

from __future__ import annotations

import array
import hashlib
import json
import os
import random
import shutil
import tempfile
from pathlib import Path

import pysam

from tests import data
from tests.conftest import ROOT

CACHE = ROOT / "build" / "test-data"

# Local file -> its index, as htslib names it next to the file.
INDEXED = {
    "reads.bam": "reads.bam.bai",
    "reads_csi.bam": "reads_csi.bam.csi",
    "reads.cram": "reads.cram.crai",
    "calls.vcf.gz": "calls.vcf.gz.tbi",
    "calls.bcf": "calls.bcf.csi",
    "features.bed.gz": "features.bed.gz.tbi",
    "ref.fa": "ref.fa.fai",
}
# Local file -> the index's name under explicit/idx/: not where htslib looks, so a
# read succeeds only with the index given as a second URL.
EXPLICIT_INDEX = {name: "index-of-" + name.replace(".", "-") + Path(index).suffix
                  for name, index in INDEXED.items()}


def small(directory: Path) -> Path:
    """Reference, reads, variants and features with indexes, plus a BAM with no index
    and a smaller BAM whose index plays a stale one. Deterministic (fixed seeds)."""
    ref = data.reference(directory / "ref.fa")
    # The CRAM's @SQ UR: names a reference that is gone afterwards, so a read that
    # is not given one really has none.
    gone = directory / "gone"
    gone.mkdir()
    shutil.copy(ref, gone / "ref.fa")
    shutil.copy(str(ref) + ".fai", gone / "ref.fa.fai")
    data.alignments(directory / "reads.cram", 3_000, fasta=gone / "ref.fa", mode="wc", index="crai")
    shutil.rmtree(gone)
    data.alignments(directory / "reads.bam", 3_000, fasta=ref)
    data.alignments(directory / "reads_csi.bam", 3_000, fasta=ref, index="csi")
    data.alignments(directory / "noindex.bam", 3_000, fasta=ref, index="")
    data.alignments(directory / "other.bam", 300, fasta=ref, seed=9)
    data.variants(directory / "calls.vcf.gz", 2_000)
    data.variants(directory / "calls.bcf", 2_000)
    data.bed(directory / "features.bed.gz", 500)
    return directory


def small_uploads(directory: Path) -> dict[str, Path]:
    """Bucket key (under the endpoint's prefix) -> local file."""
    uploads = {f"data/{p.name}": p for p in directory.iterdir() if p.is_file()}
    uploads["data/calls_noidx.vcf.gz"] = directory / "calls.vcf.gz"
    for name, index in INDEXED.items():
        uploads[f"explicit/{name}"] = directory / name
        uploads[f"explicit/idx/{EXPLICIT_INDEX[name]}"] = directory / index
    return uploads


# --- the big BAM: > 50 MB, so reads span many 1 MiB parts ----------------------

BIG_BAM_VERSION = 1  # bump when the generator below changes what it writes
BIG_BAM = {"reads": 180_000, "read_length": 300, "contigs": {"chr1": 3_000_000, "chr2": 2_000_000}, "seed": 5}
_ACGT = bytes.maketrans(bytes(range(256)), b"ACGT" * 64)
_QUALITY = bytes.maketrans(bytes(range(256)), bytes(2 + b % 40 for b in range(256)))


def _write_big_bam(path: Path, reads: int, read_length: int, contigs: dict[str, int], seed: int) -> None:
    """Random sequence and qualities (they hardly compress, so the file is big
    for its record count): about 58 MB in a few seconds."""
    rng = random.Random(seed)
    names = list(contigs)
    starts = sorted((tid, rng.randrange(contigs[names[tid]] - read_length))
                    for tid in rng.choices(range(len(names)), [contigs[n] for n in names], k=reads))
    header = {"HD": {"VN": "1.6", "SO": "coordinate"},
              "SQ": [{"SN": n, "LN": length} for n, length in contigs.items()]}
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for i, (tid, pos) in enumerate(starts):
            a = pysam.AlignedSegment(out.header)
            a.query_name, a.reference_id, a.reference_start = f"big{i:07d}", tid, pos
            a.mapping_quality, a.cigartuples, a.flag = 60, [(0, read_length)], 16 * (i % 2)
            a.query_sequence = rng.randbytes(read_length).translate(_ACGT).decode()
            a.query_qualities = array.array("B", rng.randbytes(read_length).translate(_QUALITY))
            out.write(a)
    pysam.index(str(path))


def big_bam(cache: Path = CACHE) -> Path:
    """The cached big BAM (+ .bai); generated when missing. The name carries a hash
    of the parameters and BIG_BAM_VERSION; files appear by atomic rename, the
    index first, so an existing BAM always has its index."""
    params = json.dumps({"version": BIG_BAM_VERSION, **BIG_BAM}, sort_keys=True)
    path = cache / f"big-{hashlib.sha256(params.encode()).hexdigest()[:16]}.bam"
    if path.exists() and Path(f"{path}.bai").exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".generating-") as tmp:
        fresh = Path(tmp, "big.bam")
        _write_big_bam(fresh, **BIG_BAM)
        os.replace(f"{fresh}.bai", f"{path}.bai")
        os.replace(fresh, path)
    return path


def big_regions(n: int = 40, seed: int = 6) -> list[tuple[str, int, int]]:
    """Regions spread over the big BAM, a few hundred reads each."""
    rng = random.Random(seed)
    contigs = BIG_BAM["contigs"]
    regions = []
    for _ in range(n):
        contig = rng.choice(list(contigs))
        start = rng.randrange(contigs[contig] - 20_000)
        regions.append((contig, start, start + rng.randrange(1_000, 20_000)))
    return regions


# --- a VCF big enough for a multipart write -----------------------------------

def wide_vcf(path: Path, records: int = 30_000, seed: int = 7) -> Path:
    """Plain-text VCF with a random (incompressible) INFO string: about 6.6 MB
    once BGZF-compressed. Written as text, because it is fast."""
    rng = random.Random(seed)
    lines = [data.VCF_HEADER.rstrip("\n"),
             '##INFO=<ID=NOISE,Number=1,Type=String,Description="Random payload">',
             *(f"##contig=<ID={name},length={length}>" for name, length in data.CONTIGS.items()),
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1"]
    positions = sorted(rng.sample(range(1, data.CONTIGS["chr1"]), records))
    for pos in positions:
        ref, alt = rng.sample("ACGT", 2)
        lines.append(f"chr1\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\tDP={rng.randrange(5, 200)};"
                     f"NOISE={rng.randbytes(200).hex()}\tGT\t{rng.choice(['0/0', '0/1', '1/1'])}")
    path.write_text("\n".join(lines) + "\n")
    return path
