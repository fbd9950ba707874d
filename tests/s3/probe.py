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
    with OPENERS[kind](path, **open_kw) as handle:
        return digest_open(handle, kind, regions)


def digest_open(handle, kind: str, regions: list) -> dict[str, dict]:
    """digest() on a file already open."""
    return {region_name(region): digest_records(_records(handle, kind, region)) for region in regions}


def _text(record, kind: str) -> str:
    return record.to_string() if kind == "alignments" else str(record)


def loop_regions(kind: str, path: str, regions: list, **open_kw) -> list[str]:
    """The records of a loop of fetch() calls over *regions* in one open file, in order, as text."""
    with OPENERS[kind](path, **open_kw) as handle:
        return [_text(r, kind) for region in regions for r in handle.fetch(*region)]


def fetch_regions(kind: str, path: str, regions: list, **open_kw) -> list[str]:
    """What pysam_s3.fetch_regions() yields for *regions* of one open file, as text."""
    import pysam_s3
    with OPENERS[kind](path, **open_kw) as handle:
        return [_text(r, kind) for r in pysam_s3.fetch_regions(handle, [tuple(r) for r in regions])]


def digest_records(records) -> dict:
    """The count of *records* (text) and a SHA-256 over them, a line each."""
    sha, n = hashlib.sha256(), 0
    for text in records:
        sha.update(text.encode() + b"\n")
        n += 1
    return {"records": n, "sha256": sha.hexdigest()}


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


def read_in_threads(kind: str, jobs: list, threads: int) -> dict[str, list[str]]:
    """Each (path, region) of *jobs* read by its own open in one of *threads*
    threads, all started together: {"path|region": records}."""
    import concurrent.futures
    import threading

    start = threading.Barrier(min(threads, len(jobs)))

    def one(job):
        path, region = job
        start.wait(timeout=60)
        return f"{path}|{region_name(tuple(region))}", read(kind, path, [tuple(region)])[region_name(tuple(region))]

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return dict(pool.map(one, jobs))


def _process_usage() -> dict[str, int]:
    """Open descriptors, sockets among them, and resident memory (KiB) of this process."""
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(FileNotFoundError):  # the listing's own descriptor, gone by now
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
    fds, sockets = len(targets), sum(1 for t in targets if t.startswith("socket:"))
    with open("/proc/self/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return {"fds": fds, "sockets": sockets, "rss_kib": rss}


def soak(kind: str, path: str, regions: list, queries: int, reopen_every: int, sample_every: int) -> dict:
    """*queries* region queries on one object, cycling through *regions* and
    opening the file anew every *reopen_every* queries (as a server answering
    requests does); usage sampled every *sample_every* queries. Returns the
    samples and, per region, the set of distinct record digests seen (one each
    if every query gave the same answer)."""
    samples, answers, handle = [], {}, None
    try:
        for i in range(queries):
            if i % reopen_every == 0:
                if handle is not None:
                    handle.close()
                handle = OPENERS[kind](path)
            region = tuple(regions[i % len(regions)])
            answers.setdefault(region_name(region), set()).add(digest_records(_records(handle, kind, region))["sha256"])
            if (i + 1) % sample_every == 0:
                samples.append({"queries": i + 1, **_process_usage()})
    finally:
        if handle is not None:
            handle.close()
    return {"samples": samples, "answers": {k: sorted(v) for k, v in answers.items()}}


def read_while_replaced(path: str, after: int, bucket: str, key: str, replacement: str) -> int:
    """Read records of the BAM at *path* (an S3 URL); after *after* records, put
    the file *replacement* in its place (boto3, the same configuration), then
    read on. Returns the number of records read (if no error stops it)."""
    import boto3

    n = 0
    with pysam.AlignmentFile(path) as bam:
        for _ in bam.fetch(until_eof=True):
            n += 1
            if n == after:
                with open(replacement, "rb") as f:
                    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=f.read())
    return n
