"""The S3 part: s3rver (tests/servers/s3.py, a node S3 server that reads a
range from disk, where moto reads the whole object for every ranged GET) on
127.0.0.1 holding the small BAM, the large BAM and the VCF.gz with their
indexes, and one S3Proxy in front of it per shaping: none, and a distant
server (30 ms before each answer's first byte, 50 MB/s per connection).

For each shaping, object and pysam, in every round (ours and stock
alternating as in bench/tasks.py):

* region-cold: one query of profile.region, fresh HOME and working directory;
* region-warm: the same query with what the cold run left: ours keeps remote
  indexes in a private cache under $HOME/.cache/htslib/indexes, so the cold
  run's HOME and a new working directory; stock downloads the index into the
  working directory, so the cold run's directory and a fresh HOME;
* stream: the whole file read (BAM: `pysam.view("-c", url)`; VCF.gz: every
  record of VariantFile iteration), fresh HOME and working directory.

Wall time is measured inside the subprocess (open + read + count); requests,
body bytes served and TCP connections are counted at the proxy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import shutil
from pathlib import Path

from recipe import steps
from tests.servers.processes import ServerStartError
from tests.servers.proxies import S3Proxy, Shaping
from tests.servers.s3 import S3RVER_CREDS, S3rverServer

from .proc import BenchError, scratch, script
from .tasks import order

BUCKET = "pysam-s3-bench"
SHAPINGS = {"unshaped": Shaping(), "shaped": Shaping(latency=0.030, bandwidth=50e6)}
MEASUREMENTS = {
    "region-cold": "region query, nothing cached: fresh HOME and working directory",
    "region-warm": "the same query again with what the cold run left: ours its HOME (index cache), "
                   "stock its working directory (downloaded index)",
    "stream": "the whole file: BAM `pysam.view(\"-c\", url)`, VCF.gz every record of VariantFile iteration",
}
# where each pysam keeps the index a warm run reuses
KEEPS_INDEX_IN = {"ours": "home", "stock": "cwd"}
LOG_FIELDS = ("method", "path", "range", "status", "bytes")


@dataclasses.dataclass(frozen=True)
class Object:
    label: str          # small, large, vcf
    what: str           # for the table
    path: Path
    key: str            # in the bucket
    index_suffix: str
    region_task: str    # measure.py tasks
    stream_task: str

    @property
    def index(self) -> Path:
        return Path(f"{self.path}{self.index_suffix}")


def objects(files: dict[str, Path], large: Path) -> list[Object]:
    return [Object("small", "small BAM", files["bam"], "small.bam", ".bai", "region", "decode"),
            Object("large", "large BAM", large, "large.bam", ".bai", "region", "decode"),
            Object("vcf", "VCF.gz", files["vcf"], "calls.vcf.gz", ".tbi", "vcf-region", "vcf-count")]


def put(port: int, path: str, file: Path) -> None:
    """An unsigned PUT: s3rver checks no signature, and takes a 500 MB body in one request."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        with open(file, "rb") as body:
            conn.request("PUT", path, body=body, headers={"Content-Length": str(file.stat().st_size)})
        response = conn.getresponse()
        answer = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise BenchError(f"s3rver refused PUT {path}: {response.status} {answer[:300]!r}")


def environment(proxy: S3Proxy) -> dict[str, str]:
    """What points htslib at the proxy (the rest of the environment: proc.environment).
    HTS_S3_HOST and s3+http:// URLs: stock htslib knows no AWS_ENDPOINT_URL."""
    return {"HTS_S3_HOST": proxy.hostport, "HTS_S3_ADDRESS_STYLE": "path", "AWS_DEFAULT_REGION": "us-east-1",
            **S3RVER_CREDS.env()}


def measure(pythons: dict[str, Path], objs: list[Object], region: tuple[str, int, int], rounds: int,
            work: Path, timeout: float) -> dict:
    """{"server", "region", "objects", "shapings", "measurements", "runs": [one per subprocess]}."""
    runs = []
    server = S3rverServer(scratch(work, "s3rver-"), BUCKET)
    with steps.step(f"start s3rver and upload {', '.join(o.key for o in objs)} with their indexes"):
        try:
            server.start()
        except ServerStartError as e:
            raise BenchError(str(e)) from None
    try:
        for obj in objs:
            for file, key in ((obj.path, obj.key), (obj.index, obj.key + obj.index_suffix)):
                put(server.port, f"/{BUCKET}/{key}", file)
        with contextlib.ExitStack() as stack:
            proxies = {name: stack.enter_context(S3Proxy(server.port, shaping=shaping))
                       for name, shaping in SHAPINGS.items()}
            for round_no in range(rounds):
                for name, proxy in proxies.items():
                    with steps.step(f"S3 round {round_no + 1}/{rounds}, {SHAPINGS[name]}: "
                                    f"{', '.join(MEASUREMENTS)} ({' then '.join(order(round_no))})"):
                        for obj in objs:
                            for flavour in order(round_no):
                                runs += _object_runs(pythons[flavour], proxy, obj, region, work, timeout,
                                                     shaping=name, object=obj.label, flavour=flavour,
                                                     round=round_no)
    finally:
        server.stop()
    _check_same_records(runs)
    return {"server": "s3rver", "bucket": BUCKET, "region": list(region),
            "objects": {o.label: {"what": o.what, "key": o.key, "bytes": o.path.stat().st_size,
                                  "index": o.key + o.index_suffix, "index_bytes": o.index.stat().st_size}
                        for o in objs},
            "shapings": {name: {"label": str(s), "latency": s.latency, "bandwidth": s.bandwidth}
                         for name, s in SHAPINGS.items()},
            "measurements": MEASUREMENTS, "runs": runs}


def _object_runs(python: Path, proxy: S3Proxy, obj: Object, region, work: Path, timeout: float,
                 **meta) -> list[dict]:
    """region-cold, region-warm and stream of one object with one pysam."""
    base = scratch(work, f"s3-{meta['shaping']}-{obj.label}-{meta['flavour']}-")

    def fresh(name: str) -> Path:
        (base / name).mkdir()
        return base / name

    url = f"s3+http://{BUCKET}/{obj.key}"
    query = (obj.region_task, url, *map(str, region))
    try:
        cold = {"home": fresh("cold-home"), "cwd": fresh("cold-cwd")}
        kept = KEEPS_INDEX_IN[meta["flavour"]]
        warm = {place: cold[place] if place == kept else fresh(f"warm-{place}") for place in ("home", "cwd")}
        stream = {"home": fresh("stream-home"), "cwd": fresh("stream-cwd")}
        return [_run(python, proxy, query, cold, timeout, measurement="region-cold", **meta),
                _run(python, proxy, query, warm, timeout, measurement="region-warm", **meta),
                _run(python, proxy, (obj.stream_task, url), stream, timeout, measurement="stream", **meta)]
    finally:
        shutil.rmtree(base)


def _run(python: Path, proxy: S3Proxy, args: tuple, where: dict[str, Path], timeout: float, **meta) -> dict:
    before = _files(where["cwd"])
    proxy.take()
    report = script(python, "measure.py", *args, cwd=where["cwd"], home=where["home"], timeout=timeout,
                    env=environment(proxy))
    proxy.wait_idle()
    counted = proxy.take()
    after = _files(where["cwd"])
    cache = where["home"] / ".cache"
    return {**meta, **report, "requests": counted["requests"], "bytes": counted["bytes"],
            "connections": counted["connections"],
            "index_downloaded": sorted(after - before),  # what this run left in its working directory
            "cwd_files": sorted(after),
            "home_cache": sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file()),
            "log": [{k: r[k] for k in LOG_FIELDS} for r in counted["log"]]}


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def _check_same_records(runs: list[dict]) -> None:
    for obj, measurement in {(r["object"], r["measurement"]) for r in runs}:
        counts = {(r["flavour"], r["records"]) for r in runs if r["object"] == obj and r["measurement"] == measurement}
        if len({c for _, c in counts}) != 1:
            raise BenchError(f"S3 {measurement} of the {obj} object: ours and stock counted different records: "
                             f"{sorted(counts)}")
