"""Region queries spread over worker processes, with credentials that only the
AWS SDK's chain can get (container credentials) and the standard
configuration: multiprocessing with fork and with spawn, and a Dask
LocalCluster with two worker processes, each reading different regions of the
same private object. Every worker's records must equal a local read.

The pattern (README, "Scaling region queries"): workers open the file
themselves, by URL; the configuration travels in the environment, which
child processes inherit (pysam_s3.configure() settings are inherited by fork
only: with spawn, call it in the pool's initializer)."""

from __future__ import annotations

import re

import pysam
import pytest

from tests.conftest import ROOT

from testkit import stand_ins
from tests.s3 import probe
from tests.s3.runner import run

pytestmark = pytest.mark.timeout(240)

REGIONS = [("chr1", 0, 15_000), ("chr1", 20_000, 40_000), ("chr2", 0, 20_000), ("chr2", 25_000, 45_000),
           ("chrM", 0, 10_000), ("chr1", 45_000, 60_000)]

POOL = """
import functools, multiprocessing as mp
from tests.s3 import probe

query = functools.partial(probe.read_in_worker, "alignments", {url!r})
with mp.get_context({method!r}).Pool(3) as pool:
    answers = pool.map(query, [[r] for r in {regions!r}])
result = {{"pids": sorted({{pid for pid, _ in answers}}),
          "records": {{k: v for _, d in answers for k, v in d.items()}}}}
"""

DASK = """
import functools
from dask.distributed import Client, LocalCluster
from tests.s3 import probe

query = functools.partial(probe.read_in_worker, "alignments", {url!r})
with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                  host="127.0.0.1") as cluster, Client(cluster) as client:
    answers = client.gather(client.map(query, [[r] for r in {regions!r}]))
result = {{"pids": sorted({{pid for pid, _ in answers}}),
          "records": {{k: v for _, d in answers for k, v in d.items()}}}}
"""


@pytest.fixture
def container_env(moto):
    """Container credentials for moto's keys, and the standard endpoint setting."""
    with stand_ins.ContainerCredentials(lambda: moto.creds) as service:
        yield {"AWS_ENDPOINT_URL_S3": moto.endpoint_url, "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{service.url}/creds",
               "AWS_CONTAINER_AUTHORIZATION_TOKEN": service.authorization}


def expected(dataset) -> dict:
    return probe.read("alignments", str(dataset / "reads.bam"), REGIONS)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_pool(moto, dataset, container_env, method):
    outcome = run(POOL.format(url=moto.url("data/reads.bam"), method=method, regions=REGIONS), container_env,
                  timeout=120)
    assert outcome.ok, str(outcome)
    assert outcome.result["records"] == expected(dataset)
    assert len(outcome.result["pids"]) >= 2, "the regions were not spread over several processes"


def test_dask_local_cluster(moto, dataset, container_env):
    outcome = run(DASK.format(url=moto.url("data/reads.bam"), regions=REGIONS), container_env, timeout=200)
    assert outcome.ok, str(outcome)
    assert outcome.result["records"] == expected(dataset)
    assert len(outcome.result["pids"]) == 2, outcome.result["pids"]


CONFIGURED_POOL = """
import functools, multiprocessing as mp
import pysam_s3
from tests.s3 import probe

settings = dict(endpoint_url={endpoint!r})
pysam_s3.configure(**settings)
query = functools.partial(probe.read_in_worker, "alignments", {url!r})
# spawned workers start without the parent's configure(): they call it first
with mp.get_context("spawn").Pool(2, initializer=functools.partial(pysam_s3.configure, **settings)) as pool:
    answers = pool.map(query, [[r] for r in {regions!r}])
result = {{k: v for _, d in answers for k, v in d.items()}}
"""


def test_spawned_workers_call_configure_in_their_initializer(moto, dataset, container_env):
    env = {k: v for k, v in container_env.items() if k != "AWS_ENDPOINT_URL_S3"}  # the endpoint: configure() only
    outcome = run(CONFIGURED_POOL.format(endpoint=moto.endpoint_url, url=moto.url("data/reads.bam"),
                                         regions=REGIONS), env, timeout=120)
    assert outcome.ok, str(outcome)
    assert outcome.result == expected(dataset)


def readme_dask_example() -> str:
    """The Dask example of the README, as written there."""
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- dask-example -->", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert 'URL = "s3://genomes/cohort/reads.bam"' in block and "REGIONS = [" in block
    return block


def test_readme_dask_example(moto, dataset, container_env, isolated):
    """The README's example, run as a script with its URL and regions pointed at
    the test data, prints what a local count gives."""
    script = readme_dask_example()
    script = re.sub(r'^URL = .*$', f'URL = {moto.url("data/reads.bam")!r}', script, flags=re.M)
    script = re.sub(r'^REGIONS = .*$', f"REGIONS = {REGIONS!r}", script, flags=re.M)
    (isolated / "example.py").write_text(script)
    code = ("import runpy, io, contextlib, ast\nout = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n    runpy.run_path('example.py', run_name='__main__')\n"
            "result = {str(k): v for k, v in ast.literal_eval(out.getvalue()).items()}\n")
    outcome = run(code, container_env, timeout=200)
    assert outcome.ok, str(outcome)
    with pysam.AlignmentFile(str(dataset / "reads.bam")) as bam:
        local = {str(r): bam.count(*r) for r in REGIONS}
    assert outcome.result == local and sum(local.values()) > 0
