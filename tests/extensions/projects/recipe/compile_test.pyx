# cython: language_level=3
"""pysam's pyximport compile test (tests/compile_test.py in its git tree), to the
same effect: pysam's types cimported, htslib's structs read directly, built
without linking any of pysam's libraries (compile_test.pyxbld)."""

from pysam.libcalignmentfile cimport AlignmentFile, AlignedSegment
from pysam.libctabix cimport TabixFile


def count_bam(AlignmentFile bam):
    cdef AlignedSegment read
    cdef int records = 0, reverse = 0
    for read in bam.fetch():
        records += 1
        reverse += (read._delegate.core.flag & 16) != 0
    return {"records": records, "reverse": reverse}


def count_tabix(TabixFile tabix):
    cdef int records = 0
    for _ in tabix.fetch():
        records += 1
    return records
