# The body of each linker test module (included by with_rpath.pyx, without_rpath.pyx, pre_489.pyx).
from pysam.libchtslib cimport bam1_t, bam_endpos
from pysam.libcsamfile cimport aux_type2size
from pysam.libcalignedsegment cimport AlignedSegment

import pysam


def build_read():
    """A read made through pysam's Python API, then read back through htslib
    (bam_endpos) and one of pysam's C helpers (aux_type2size)."""
    cdef AlignedSegment read = pysam.AlignedSegment()
    read.query_name = "hello"
    read.query_sequence = "ACGT"
    read.reference_start = 10
    read.cigarstring = "4M"
    cdef bam1_t *delegate = read._delegate
    return {"name": read.query_name, "sequence": read.query_sequence,
            "end": bam_endpos(delegate), "size of i": aux_type2size(ord("i"))}
