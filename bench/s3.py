"""The S3 part: s3rver (testkit/s3servers.py, a node S3 server that reads a
range from disk, where moto reads the whole object for every ranged GET) on
127.0.0.1 holding the small BAM, the large BAM, the VCF.gz, the CRAM and the
BCF with their indexes, and one S3Proxy in front of it per shaping: none, a
distant server (30 ms before each answer's first byte, 50 MB/s per
connection) and a farther one (80 ms, 20 MB/s).

For each shaping, object and pysam, in every round (ours and stock
alternating as in bench/tasks.py), the measurements that apply to the object
(Object.measurements; the command line can choose fewer):

* region-cold: one query of profile.region, fresh HOME and working directory;
* region-warm: the same query with what the cold run left: ours keeps remote
  indexes in a private cache under $HOME/.cache/htslib/indexes, so the cold
  run's HOME and a new working directory; stock downloads the index into the
  working directory, so the cold run's directory and a fresh HOME;
* stream: the whole file read (BAM: `pysam.view("-c", url)`; VCF.gz: every
  record of VariantFile iteration), fresh HOME and working directory;
* regions-sorted, regions-unsorted: many random 1 kb regions
  (data.random_regions, written to a JSON file that ours and stock both
  read), one fetch each in one loop over one open file, sorted by contig and
  start or shuffled; regions-workers: the sorted ones split in WORKERS
  contiguous shares, one worker process each; regions-list-sorted and
  regions-list-unsorted: the same regions in one call (ours
  pysam_s3.fetch_regions(), stock the fetch loop); each fresh HOME and
  directory;
* pileup: the pileup of profile.pileup_region (50 kb), fresh HOME and
  directory.

Wall time is measured inside the subprocess (open + read + count); requests,
body bytes served and TCP connections are counted at the proxy, and for the
regions-* measurements the object's own bytes per region and the median
GET's bytes are taken from its log. Ours and stock must read the same
records (and, for regions-* and pileup, the same checksum of their content),
or the run stops.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import http.client
import json
import shutil
import statistics
from pathlib import Path

from recipe import steps
from testkit.processes import ServerStartError
from testkit.proxies.s3 import S3Proxy, Shaping
from testkit.s3servers import S3RVER_CREDS, S3rverServer

from .proc import BenchError, scratch, script
from .tasks import order

BUCKET = "pysam-s3-bench"
SHAPINGS = {"unshaped": Shaping(), "shaped": Shaping(latency=0.030, bandwidth=50e6),
            "far": Shaping(latency=0.080, bandwidth=20e6)}
WORKERS = 8  # regions-workers: worker processes, each reading a contiguous share of the sorted regions
MEASUREMENTS = {
    "region-cold": "region query, nothing cached: fresh HOME and working directory",
    "region-warm": "the same query again with what the cold run left: ours its HOME (index cache), "
                   "stock its working directory (downloaded index)",
    "stream": "the whole file: BAM `pysam.view(\"-c\", url)`, VCF.gz every record of VariantFile iteration",
    "regions-sorted": "random 1 kb regions sorted by contig and start, one fetch each in one loop over one open file",
    "regions-unsorted": "the same regions in a random order, one open file",
    "regions-list-sorted": "the sorted regions in one call over one open file: ours `pysam_s3.fetch_regions()`, "
                           "stock (which has none) the fetch loop it replaces",
    "regions-list-unsorted": "the same, with the regions in the random order",
    "regions-workers": f"the sorted regions split in {WORKERS} contiguous shares, one worker process "
                       "(multiprocessing) each, opening the file once",
    "pileup": "`pileup(contig, start, start + 50,000)`: columns counted, their nsegments summed",
}
# regions-* measurements: which order of the regions, how many worker processes
# (0 workers: one call, pysam_s3.fetch_regions())
REGIONS = {"regions-sorted": ("sorted", 1), "regions-unsorted": ("unsorted", 1), "regions-workers": ("sorted", WORKERS),
           "regions-list-sorted": ("sorted", 0), "regions-list-unsorted": ("unsorted", 0)}
# where each pysam keeps the index a warm run reuses
KEEPS_INDEX_IN = {"ours": "home", "stock": "cwd"}
LOG_FIELDS = ("method", "path", "range", "status", "bytes")
OBJECTS = {"small": "small BAM", "large": "large BAM", "vcf": "VCF.gz", "cram": "CRAM", "bcf": "BCF"}


@dataclasses.dataclass(frozen=True)
class Object:
    label: str          # a key of OBJECTS
    path: Path
    key: str            # in the bucket
    index_suffix: str
    measurements: tuple[str, ...]   # the MEASUREMENTS that apply to it
    region_task: str | None = None  # measure.py tasks of region-cold/-warm and stream
    stream_task: str | None = None
    reference: Path | None = None   # a CRAM's, local

    @property
    def what(self) -> str:
        return OBJECTS[self.label]

    @property
    def index(self) -> Path:
        return Path(f"{self.path}{self.index_suffix}")


@dataclasses.dataclass(frozen=True)
class Queries:
    """What the measurements ask for, the same for ours and stock (from bench/data.py's profile)."""
    region: tuple[str, int, int]    # region-cold, region-warm
    pileup: tuple[str, int, int]
    regions: dict[str, list]        # regions-*: "sorted" and "unsorted" lists of [contig, start, end]


def objects(files: dict[str, Path], large: Path | None) -> list[Object]:
    """The bucket's objects; the large BAM only when it was made (the command line can leave it out)."""
    single = ("region-cold", "region-warm", "stream")
    many = ("regions-sorted", "regions-unsorted", "regions-list-sorted", "regions-list-unsorted")
    bam = {"region_task": "region", "stream_task": "decode"}
    made = [Object("small", files["bam"], "small.bam", ".bai", (*single, *many, "regions-workers", "pileup"), **bam)]
    if large:
        made.append(Object("large", large, "large.bam", ".bai", (*single, *many, "pileup"), **bam))
    return made + [
        Object("vcf", files["vcf"], "calls.vcf.gz", ".tbi", (*single, *many, "regions-workers"),
               region_task="vcf-region", stream_task="vcf-count"),
        Object("cram", files["cram"], "reads.cram", ".crai", many, reference=files["ref"]),
        Object("bcf", files["bcf"], "calls.bcf", ".csi", many)]


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


def measure(pythons: dict[str, Path], objs: list[Object], queries: Queries, shapings: list[str],
            measurements: list[str], rounds: int, work: Path, timeout: float) -> dict:
    """{"server", "region", "pileup", "regions", "objects", "shapings", "measurements",
    "runs": [one per subprocess]}: the chosen *measurements* of each object that has any."""
    chosen = {o.label: [m for m in measurements if m in o.measurements] for o in objs}
    objs = [o for o in objs if chosen[o.label]]
    region_files = _write_regions(queries.regions, scratch(work, "regions-"))
    tasks = {o.label: {m: _task(o, m, queries, region_files) for m in chosen[o.label]} for o in objs}
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
            proxies = {name: stack.enter_context(S3Proxy(server.port, shaping=SHAPINGS[name])) for name in shapings}
            for round_no in range(rounds):
                for name, proxy in proxies.items():
                    with steps.step(f"S3 round {round_no + 1}/{rounds}, {SHAPINGS[name]}: "
                                    f"{', '.join(measurements)} ({' then '.join(order(round_no))})"):
                        for obj in objs:
                            for flavour in order(round_no):
                                runs += _object_runs(pythons[flavour], proxy, obj, tasks[obj.label], work, timeout,
                                                     shaping=name, object=obj.label, flavour=flavour,
                                                     round=round_no)
    finally:
        server.stop()
    _check_same_work(runs)
    return {"server": "s3rver", "bucket": BUCKET, "region": list(queries.region), "pileup": list(queries.pileup),
            "regions": {"workers": WORKERS, **queries.regions},
            "objects": {o.label: {"what": o.what, "key": o.key, "bytes": o.path.stat().st_size,
                                  "index": o.key + o.index_suffix, "index_bytes": o.index.stat().st_size,
                                  "measurements": chosen[o.label]}
                        for o in objs},
            "shapings": {name: {"label": str(SHAPINGS[name]), "latency": SHAPINGS[name].latency,
                                "bandwidth": SHAPINGS[name].bandwidth} for name in shapings},
            "measurements": {m: MEASUREMENTS[m] for m in measurements}, "runs": runs}


def _write_regions(regions: dict[str, list], folder: Path) -> dict[str, Path]:
    """Each order of the regions as a JSON file, the one list ours and stock both read."""
    files = {}
    for name, listed in regions.items():
        files[name] = folder / f"regions-{name}.json"
        files[name].write_text(json.dumps(listed))
    return files


def _task(obj: Object, measurement: str, queries: Queries, region_files: dict[str, Path]) -> tuple:
    """measure.py's TASK ARGS for one measurement of one object."""
    url = f"s3+http://{BUCKET}/{obj.key}"
    if measurement in ("region-cold", "region-warm"):
        return (obj.region_task, url, *queries.region)
    if measurement == "stream":
        return (obj.stream_task, url)
    if measurement == "pileup":
        return ("pileup", url, *queries.pileup)
    regions, workers = REGIONS[measurement]
    reference = [obj.reference] if obj.reference else []
    if workers == 0:
        return ("regions-list", url, region_files[regions], *reference)
    return ("regions", url, region_files[regions], workers, *reference)


def _object_runs(python: Path, proxy: S3Proxy, obj: Object, tasks: dict[str, tuple], work: Path, timeout: float,
                 **meta) -> list[dict]:
    """The measurements of one object with one pysam (*tasks*: measurement -> measure.py
    arguments, region-cold before region-warm), each in a fresh HOME and working directory
    but region-warm, which reuses the place where this pysam keeps what the cold run left."""
    base = scratch(work, f"s3-{meta['shaping']}-{obj.label}-{meta['flavour']}-")
    places = {}
    try:
        for measurement in tasks:
            places[measurement] = {"home": base / f"{measurement}-home", "cwd": base / f"{measurement}-cwd"}
            if measurement == "region-warm":
                kept = KEEPS_INDEX_IN[meta["flavour"]]
                places[measurement][kept] = places["region-cold"][kept]
            for folder in places[measurement].values():
                folder.mkdir(exist_ok=True)
        runs = [_run(python, proxy, args, places[measurement], timeout, measurement=measurement, **meta)
                for measurement, args in tasks.items()]
    finally:
        shutil.rmtree(base)
    for run in runs:
        if run["measurement"] in REGIONS:
            run.update(_object_traffic(run["log"], obj.key, run["regions"]))
    return runs


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


def _object_traffic(log: list[dict], key: str, regions: int) -> dict:
    """Body bytes of the object's own GETs (its index's left out) per region, and the median GET's."""
    sizes = [r["bytes"] for r in log if r["method"] == "GET" and r["path"].partition("?")[0] == f"/{BUCKET}/{key}"]
    return {"bytes_per_region": sum(sizes) / regions, "median_get_bytes": statistics.median(sizes) if sizes else 0}


def _check_same_work(runs: list[dict]) -> None:
    """Ours and stock must read the same records, with the same checksum where one is taken,
    or the timings compare nothing; the regions-* measurements read the same regions, so
    they must agree with each other too."""
    seen = collections.defaultdict(set)
    for r in runs:
        work = "regions" if r["measurement"] in REGIONS else r["measurement"]
        seen[(r["object"], work)].add((r["measurement"], r["flavour"], r["records"], r.get("checksum")))
    for (obj, work), read in seen.items():
        if len({(records, checksum) for _, _, records, checksum in read}) != 1:
            raise BenchError(f"S3 {work} of the {obj} object: the runs read different records "
                             f"(measurement, pysam, records, checksum): {sorted(read, key=str)}")
