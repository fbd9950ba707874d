"""The S3 region query: a moto server on 127.0.0.1 (authentication off: the
cost measured is the protocol's, not the signature check's) holding the small
and the large BAM with their indexes, and a S3Proxy in front of it.

For each BAM and each pysam, in every round: one query of a 10 kb region in a
fresh, empty working directory (htslib downloads the remote .bai there: index
not cached), then the same query again in that directory (index cached).
Wall time is measured inside the subprocess (open + fetch + count); requests
and bytes are counted at the proxy. moto reads the whole object for every
ranged GET, which makes its answers slower for a bigger object: compare the
wall times of ours and stock on the same BAM, and GETs and bytes everywhere.
"""

from __future__ import annotations

import http.client
import shutil
from pathlib import Path

from recipe import steps
from tests.servers.processes import Server

from .proc import BenchError, scratch, script
from tests.servers.proxies import S3Proxy
from .tasks import order

BUCKET = "pysam-s3-bench"
STATES = ("not cached", "cached")


class Moto(Server):
    """`python -m moto.server` from a benchmark venv (requirements/test.txt)."""

    name = "moto"

    def __init__(self, workdir: Path, python: Path):
        super().__init__(workdir, BUCKET)
        self.python = python

    def command(self) -> list[str]:
        return [str(self.python), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]

    def seed(self) -> None:
        self.put(f"/{self.bucket}")

    def put(self, path: str, file: Path | None = None) -> None:
        """An unsigned PUT (moto checks nothing while authentication is off)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            if file is None:
                conn.request("PUT", path, body=b"")
            else:
                with open(file, "rb") as body:
                    conn.request("PUT", path, body=body, headers={"Content-Length": str(file.stat().st_size)})
            response = conn.getresponse()
            answer = response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise BenchError(f"moto refused PUT {path}: {response.status} {answer[:300]!r}")


def environment(proxy: S3Proxy) -> dict[str, str]:
    """What points htslib at the proxy (the rest of the environment: proc.environment)."""
    return {"HTS_S3_HOST": proxy.hostport, "HTS_S3_ADDRESS_STYLE": "path",
            "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench-secret",
            "AWS_DEFAULT_REGION": "us-east-1"}


def measure(pythons: dict[str, Path], bams: dict[str, Path], region: tuple[str, int, int], rounds: int,
            work: Path, timeout: float) -> dict:
    """{"region", "bams": {label: {"key", "bytes"}}, "runs": [one per query]}."""
    runs = []
    server = Moto(scratch(work, "moto-"), pythons["ours"])
    with steps.step(f"start moto and upload {', '.join(bams)} BAM"):
        server.start()
    try:
        for label, bam in bams.items():
            server.put(f"/{BUCKET}/{label}.bam", bam)
            server.put(f"/{BUCKET}/{label}.bam.bai", Path(f"{bam}.bai"))
        with S3Proxy(server.port) as proxy:
            for round_no in range(rounds):
                with steps.step(f"S3 round {round_no + 1}/{rounds}: region {region[0]}:{region[1]}-{region[2]}"):
                    for label in bams:
                        for flavour in order(round_no):
                            runs += _query_twice(pythons[flavour], proxy, label, region, work, timeout,
                                                 flavour=flavour, round_no=round_no)
    finally:
        server.stop()
    _check_same_records(runs)
    return {"region": list(region), "bucket": BUCKET,
            "bams": {label: {"key": f"{label}.bam", "bytes": bam.stat().st_size} for label, bam in bams.items()},
            "runs": runs}


def _query_twice(python: Path, proxy: S3Proxy, label: str, region, work: Path, timeout: float,
                 **meta) -> list[dict]:
    cwd = scratch(work, f"s3-{label}-{meta['flavour']}-")
    url = f"s3+http://{BUCKET}/{label}.bam"
    runs = []
    try:
        proxy.take()
        for state in STATES:
            before = {p.name for p in cwd.iterdir()}
            report = script(python, "measure.py", "region", url, *map(str, region), cwd=cwd, timeout=timeout,
                            env=environment(proxy))
            counted = proxy.take()
            runs.append({"bam": label, "index": state, **meta, **report, **counted,
                         "index_downloaded": sorted({p.name for p in cwd.iterdir()} - before)})
    finally:
        shutil.rmtree(cwd)
    return runs


def _check_same_records(runs: list[dict]) -> None:
    for label in {r["bam"] for r in runs}:
        counts = {(r["flavour"], r["records"]) for r in runs if r["bam"] == label}
        if len({c for _, c in counts}) != 1:
            raise BenchError(f"S3 region query on the {label} BAM: ours and stock counted different records: "
                             f"{sorted(counts)}")
