"""python run.py BUILD_DIR BAM BED: imports the example modules through
pyximport, as pysam's documentation and its compile test do (built into
BUILD_DIR the first time), and prints as JSON what they return next to what
pysam's Python API says of the same files."""

import json
import sys

import pyximport

build_dir, bam, bed = sys.argv[1:4]
pyximport.install(build_dir=build_dir, language_level=3)

import pysam  # noqa: E402
import pysam.version  # noqa: E402

import compile_test  # noqa: E402
import flagstat  # noqa: E402
import htslib_calls  # noqa: E402

with pysam.AlignmentFile(bam) as f:
    reads = list(f.fetch(until_eof=True))
    contigs = list(f.references)
with pysam.AlignmentFile(bam) as f:
    flags = flagstat.count(f)
with pysam.AlignmentFile(bam) as f:
    counted = compile_test.count_bam(f)
with pysam.TabixFile(bed) as f:
    tabix_records = compile_test.count_tabix(f)
with pysam.TabixFile(bed) as f:  # fetch() without a region reads on from where the file is
    python_tabix_records = sum(1 for _ in f.fetch())

print(json.dumps({
    "htslib": {"version": htslib_calls.version(), "bam": htslib_calls.read_bam(bam),
               "helpers": htslib_calls.helpers()},
    "flagstat": flags,
    "compile_test": {"bam": counted, "tabix": tabix_records},
    "pysam": {"version": pysam.__version__, "htslib_version": pysam.version.__htslib_version__,
              "bam": {"contigs": contigs, "records": len(reads), "reverse": sum(r.is_reverse for r in reads),
                      "AS": sum(r.get_tag("AS") for r in reads), "last": reads[-1].query_name,
                      "end": reads[-1].reference_end},
              "tabix": python_tabix_records},
}))
