# cython: language_level=3
"""htslib's C API and pysam's own C helpers, called from an extension built by
pysam's documented recipe (htslib_calls.pyxbld): what pipelines built on
pysam do. A BAM is read with htslib alone, no pysam object involved."""

from pysam.libchtslib cimport (
    bam1_t, bam_aux2i, bam_aux_get, bam_destroy1, bam_endpos, bam_get_qname, bam_init1, hts_close, hts_open,
    hts_version, htsFile, sam_hdr_destroy, sam_hdr_nref, sam_hdr_read, sam_hdr_t, sam_hdr_tid2name, sam_read1)
from pysam.libcsamfile cimport aux_type2size


cdef extern from "htslib_util.h":
    int hts_get_verbosity()
    unsigned char pysam_translate_sequence(unsigned char s)
    const char pysam_seq_comp_table[256]


def version():
    return hts_version().decode()


def read_bam(path):
    """Contigs, records, reverse-strand records, the sum of the AS tags, the last
    record's name and end, all through htslib's functions."""
    cdef htsFile *fp = hts_open(path.encode(), b"r")
    if fp == NULL:
        raise OSError(f"hts_open failed for {path}")
    cdef sam_hdr_t *header = sam_hdr_read(fp)
    cdef bam1_t *b = bam_init1()
    records = reverse = scores = 0
    last = end = None
    while sam_read1(fp, header, b) >= 0:
        records += 1
        reverse += (b.core.flag & 16) != 0
        scores += bam_aux2i(bam_aux_get(b, b"AS"))
        last, end = bam_get_qname(b).decode(), bam_endpos(b)
    contigs = [sam_hdr_tid2name(header, tid).decode() for tid in range(sam_hdr_nref(header))]
    bam_destroy1(b)
    sam_hdr_destroy(header)
    hts_close(fp)
    return {"contigs": contigs, "records": records, "reverse": reverse, "AS": scores, "last": last, "end": end}


def helpers():
    """pysam's helpers in libchtslib (pysam/htslib_util.c)."""
    return {"aux_type2size": {t: aux_type2size(ord(t)) for t in "AcCsSiIfd"},
            "translate": [pysam_translate_sequence(ord(c)) for c in "ACGTN"],
            "complement": chr(pysam_seq_comp_table[ord("A")]),
            "verbosity": hts_get_verbosity()}
