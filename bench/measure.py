"""One measured operation, run inside a benchmark venv (ours or stock pysam):
`python -I measure.py RESULT.json TASK ARGS...`.

Only the operation is timed (time.perf_counter), never the interpreter start
or `import pysam`, which happens before the clock starts. The result file gets
{"seconds": ..., plus what the operation counted}, so the orchestrator can
check that ours and stock did the same work.
"""

import json
import os
import subprocess
import sys
import time


def decode(pysam, bam):
    """BAM decoding in C: samtools view -c."""
    return {"records": int(pysam.view("-c", bam))}


def iterate(pysam, bam):
    """Python record iteration, touching what most scripts touch."""
    n = 0
    with pysam.AlignmentFile(bam) as f:
        for r in f:
            r.query_name, r.reference_start, r.cigarstring
            n += 1
    return {"records": n}


def write(pysam, bam, out):
    """Read the BAM and write it back as BAM (samtools view -b, in C): what is
    timed is mostly BGZF compression at htslib's default level."""
    pysam.view("-b", "-o", out, bam, catch_stdout=False)
    return {"bytes": os.path.getsize(out)}


def cram_decode(pysam, cram, ref):
    """Every CRAM record decoded with the reference. Not `samtools view -c`: for a
    count htslib skips decoding sequences and qualities of a CRAM."""
    n = 0
    with pysam.AlignmentFile(cram, reference_filename=ref) as f:
        for _ in f:
            n += 1
    return {"records": n}


def vcf_iterate(pysam, vcf):
    """Python iteration of a VCF.gz, touching position, alleles and the first sample's GT."""
    n = 0
    with pysam.VariantFile(vcf) as f:
        sample = next(iter(f.header.samples))
        for rec in f:
            rec.pos, rec.alleles, rec.samples[sample]["GT"]
            n += 1
    return {"records": n}


def vcf_count(pysam, vcf):
    """Every record of a VCF.gz read and parsed, nothing touched: the S3 whole-file read."""
    with pysam.VariantFile(vcf) as f:
        return {"records": sum(1 for _ in f)}


def region(pysam, url, contig, start, end):
    """Open a (remote) BAM and count the reads of one region."""
    with pysam.AlignmentFile(url) as f:
        return {"records": sum(1 for _ in f.fetch(contig, int(start), int(end)))}


def vcf_region(pysam, url, contig, start, end):
    """Open a (remote) VCF.gz and count the records of one region (through its .tbi)."""
    with pysam.VariantFile(url) as f:
        return {"records": sum(1 for _ in f.fetch(contig, int(start), int(end)))}


TIMED = {"decode": decode, "iterate": iterate, "write": write, "cram-decode": cram_decode,
         "vcf-iterate": vcf_iterate, "vcf-count": vcf_count, "region": region, "vcf-region": vcf_region}


def import_time():
    """`import pysam` in a fresh interpreter, as `-X importtime` reports it
    (cumulative time of the top-level import: no interpreter start-up)."""
    err = subprocess.run([sys.executable, "-I", "-X", "importtime", "-c", "import pysam"],
                         capture_output=True, text=True, timeout=120, check=True).stderr
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].rstrip() == " pysam":
            return {"seconds": int(parts[1]) / 1e6}
    raise RuntimeError(f"no top-level pysam line in -X importtime output:\n{err[-2000:]}")


def about():
    import pysam
    import pysam.version
    return {"python": sys.version.split()[0], "pysam": pysam.__version__,
            "htslib": pysam.version.__htslib_version__, "location": pysam.__file__}


def main():
    result_path, task, *args = sys.argv[1:]
    if task == "import":
        report = import_time()
    elif task == "about":
        report = about()
    else:
        import pysam  # before the clock starts
        start = time.perf_counter()
        counted = TIMED[task](pysam, *args)
        report = {"seconds": time.perf_counter() - start, **counted}
    with open(result_path, "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main()
