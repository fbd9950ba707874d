"""What the pysam snippets do, as functions: the tests call them on the local
copy of a file, and a snippet calls them on its S3 URL, so both sides are read
(or written) by the very same code and compared one for one.

Results are JSON-friendly: {region name: [records as text]} or digests.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os

import pysam

Region = tuple  # (contig, start, end); None as the only region means "the whole file"

OPENERS = {
    "alignments": lambda path, **kw: pysam.AlignmentFile(path, **kw),
    "variants": lambda path, **kw: pysam.VariantFile(path, **kw),
    "tabix": lambda path, **kw: pysam.TabixFile(path, **kw),
    "fasta": lambda path, **kw: pysam.FastaFile(path, **kw),
}


def region_name(region: Region | None) -> str:
    return "*" if region is None else "{}:{}-{}".format(*region)


def _records(handle, kind: str, region: Region | None):
    if kind == "alignments":
        return (r.to_string() for r in (handle.fetch(*region) if region else handle.fetch(until_eof=True)))
    if kind == "variants":
        return (str(r) for r in (handle.fetch(*region) if region else handle))
    if kind == "tabix":
        return iter(handle.fetch(*region) if region else handle.fetch())
    if region is None:  # FASTA: every sequence in full
        return (f">{name}\n{handle.fetch(name)}" for name in handle.references)
    return iter([handle.fetch(*region)])


def read(kind: str, path: str, regions: list, **open_kw) -> dict[str, list[str]]:
    """The records of each region (None: the whole file, streamed)."""
    with OPENERS[kind](path, **open_kw) as handle:
        return {region_name(r): list(_records(handle, kind, r)) for r in regions}


def read_in_worker(kind: str, path: str, regions: list) -> tuple[int, dict[str, list[str]]]:
    """read(), in a worker process: (the worker's pid, the records)."""
    return os.getpid(), read(kind, path, [tuple(r) if r else None for r in regions])


def digest(kind: str, path: str, regions: list, **open_kw) -> dict[str, dict]:
    """Like read(), but only a count and a SHA-256 over the records of each region."""
    out = {}
    with OPENERS[kind](path, **open_kw) as handle:
        for region in regions:
            sha, n = hashlib.sha256(), 0
            for record in _records(handle, kind, region):
                sha.update(record.encode() + b"\n")
                n += 1
            out[region_name(region)] = {"records": n, "sha256": sha.hexdigest()}
    return out


def copy(kind: str, source: str, destinations: list[str], mode: str, limit: int | None = None) -> int:
    """Write the records of a local file to each destination (paths or S3 URLs) in one pass."""
    n = 0
    with contextlib.ExitStack() as stack:
        src = stack.enter_context(OPENERS[kind](source))
        template = {"template": src} if kind == "alignments" else {"header": src.header}
        outs = [stack.enter_context(OPENERS[kind](d, mode=mode, **template)) for d in destinations]
        for record in itertools.islice(src.fetch(until_eof=True) if kind == "alignments" else src, limit):
            for out in outs:
                out.write(record)
            n += 1
    return n
