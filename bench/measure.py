"""One measured operation, run inside a benchmark venv (ours or stock pysam):
`python -I measure.py RESULT.json TASK ARGS...`.

Only the operation is timed (time.perf_counter), never the interpreter start
or `import pysam`, which happens before the clock starts. The result file gets
{"seconds": ..., plus what the operation counted}, so the orchestrator can
check that ours and stock did the same work: records, and for the S3 regions
and pileup a checksum of their content too.
"""

import json
import multiprocessing
import os
import subprocess
import sys
import time
import zlib


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


def _read_digest(read):
    """A read's name, position and bases: decoded alike by ours and stock, or the checksums differ."""
    return zlib.crc32(f"{read.query_name}\t{read.reference_start}\t{read.query_sequence}".encode())


def _variant_digest(record):
    """A variant's position, alleles and first sample's GT."""
    return zlib.crc32(f"{record.contig}\t{record.pos}\t{record.alleles}\t{record.samples[0]['GT']}".encode())


def _open(pysam, url, reference):
    """Reads (BAM; CRAM with its local reference) or variants (VCF.gz, BCF), and each record's digest."""
    if url.endswith((".bam", ".cram")):
        return pysam.AlignmentFile(url, reference_filename=reference), _read_digest
    return pysam.VariantFile(url), _variant_digest


def _fetch_each(url, wanted, reference):
    """One open file, one fetch per region in the order given: (records, checksum).
    The checksum is a sum, so it does not depend on the order of the regions or
    on how they are split among workers."""
    import pysam  # imported before the clock: a worker is forked from the timed process
    records = checksum = 0
    f, digest = _open(pysam, url, reference)
    with f:
        for contig, start, end in wanted:
            for record in f.fetch(contig, start, end):
                records += 1
                checksum += digest(record)
    return records, checksum


def regions_list(pysam, url, regions_json, reference=None):
    """The same regions through one open file in one call: ours pysam_s3.fetch_regions()
    (the loop's records, the upcoming regions' blocks fetched ahead); stock, which has
    no such call, the fetch loop it replaces."""
    with open(regions_json) as f:
        wanted = json.load(f)
    try:
        from pysam_s3 import fetch_regions
    except ImportError:
        records, checksum = _fetch_each(url, wanted, reference)
        return {"records": records, "checksum": checksum, "regions": len(wanted), "iterator": "fetch loop"}
    records = checksum = 0
    f, digest = _open(pysam, url, reference)
    with f:
        for record in fetch_regions(f, [tuple(r) for r in wanted]):
            records += 1
            checksum += digest(record)
    return {"records": records, "checksum": checksum, "regions": len(wanted), "iterator": "fetch_regions"}


def regions(pysam, url, regions_json, workers, reference=None):
    """Many regions of one remote file (a JSON list of [contig, start, end]). One worker:
    one loop over one open file. More: the list split in that many contiguous shares,
    each read by a worker process (forked, as multiprocessing does on Linux) that opens
    the file once."""
    with open(regions_json) as f:
        wanted = json.load(f)
    workers = int(workers)
    if workers == 1:
        records, checksum = _fetch_each(url, wanted, reference)
    else:
        shares = [wanted[len(wanted) * i // workers:len(wanted) * (i + 1) // workers] for i in range(workers)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            counted = pool.starmap(_fetch_each, [(url, share, reference) for share in shares])
        records, checksum = (sum(column) for column in zip(*counted))
    return {"records": records, "checksum": checksum, "regions": len(wanted)}


def pileup(pysam, url, contig, start, end):
    """Open a (remote) BAM and walk the pileup of one region: columns counted, their depths
    (nsegments) summed as the checksum."""
    columns = depth = 0
    with pysam.AlignmentFile(url) as f:
        for column in f.pileup(contig, int(start), int(end)):
            columns += 1
            depth += column.nsegments
    return {"records": columns, "checksum": depth}


TIMED = {"decode": decode, "iterate": iterate, "write": write, "cram-decode": cram_decode,
         "vcf-iterate": vcf_iterate, "vcf-count": vcf_count, "region": region, "vcf-region": vcf_region,
         "regions": regions, "regions-list": regions_list, "pileup": pileup}


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
