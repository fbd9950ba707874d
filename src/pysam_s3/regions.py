"""fetch_regions(): many regions of one open file, their blocks fetched ahead.

A loop of ``fetch()`` calls over a target list reads each region after the
last one is done: on S3 every region that is not next to the one before
waits a round trip.  fetch_regions() gives htslib the whole list first
(hts_itr_plan(), through the file's ``_plan_fetches()``), so a file on S3
fetches the blocks of the upcoming regions a few ranges ahead of the reader,
in parallel, then runs the same ``fetch()`` calls: the records, their order
and the errors are those of the loop.  4 x HTS_S3_PREFETCH ranges of at most
2 MiB go at once (16 with the defaults), so memory stays within that of
sequential read-ahead (HTS_S3_PREFETCH + 2 ranges of at most 8 MiB: 48 MiB),
however long the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Union

Region = Union[str, tuple]


def fetch_regions(f, regions: Iterable[Region], **fetch_options) -> Iterator:
    """Yield the records of each region of *regions*, region by region, as
    ``for r in regions: yield from f.fetch(...)`` would.

    *f* is an open, indexed ``pysam.AlignmentFile`` or ``pysam.VariantFile``.
    A region is a region string (``"chr1:10001-11000"``) or a
    ``(contig, start, stop)`` tuple, 0-based and half-open as in ``fetch()``;
    *fetch_options* go to every ``fetch()`` call.  A record that overlaps
    two regions is yielded for each, as the loop would.

        for read in pysam_s3.fetch_regions(bam, [("chr1", 10_000, 11_000), "chr2:5001-6000"]):
            ...
    """
    regions = list(regions)
    f._plan_fetches(regions)
    for region in regions:
        if isinstance(region, (str, bytes)):
            yield from f.fetch(region=region, **fetch_options)
        else:
            yield from f.fetch(*region, **fetch_options)
