# cython: language_level=3
"""The flagstat example of pysam's documentation ("Extending pysam"), to the same
effect (its pysam_get_flag is declared in libcsamfile.pxd but defined nowhere in
pysam 0.24.1: the flag is read from htslib's struct)."""

from pysam.libcalignmentfile cimport AlignmentFile, AlignedSegment
from pysam.libcalignmentfile cimport BAM_FPAIRED, BAM_FPROPER_PAIR, BAM_FREVERSE


def count(AlignmentFile bam):
    cdef AlignedSegment read
    cdef int flag, paired = 0, proper = 0, reverse = 0
    for read in bam:
        flag = read._delegate.core.flag
        paired += (flag & BAM_FPAIRED) != 0
        proper += (flag & BAM_FPROPER_PAIR) != 0
        reverse += (flag & BAM_FREVERSE) != 0
    return {"paired": paired, "proper": proper, "reverse": reverse}
