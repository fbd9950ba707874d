"""pysam_s3.configure(): S3 settings for the process, for programs that cannot
rely on the environment. They win over the environment and the files, never
over what a URL says, and never change os.environ."""

from __future__ import annotations

import pytest

from testkit.credentials import UNKNOWN, aws_credentials
from testkit.proxies.s3 import S3Proxy
from testkit.proxies.sockets import closed_port
from tests.s3 import probe
from tests.s3.checks import BAM, REGION, assert_read_bam
from tests.s3.reference import config, credentials
from tests.s3.runner import run

pytestmark = pytest.mark.timeout(90)

CONFIGURED_READ = """
import os, pysam, pysam_s3
from tests.s3 import probe
before = dict(os.environ)
pysam_s3.configure({settings})
result = probe.read("alignments", {url!r}, {regions!r})
assert dict(os.environ) == before, "configure() changed os.environ"
"""


def configured_read(url: str, env: dict, **settings):
    code = CONFIGURED_READ.format(settings=", ".join(f"{k}={v!r}" for k, v in settings.items()), url=url,
                                  regions=REGION)
    return run(code, env)


def test_configure_endpoint_and_profile_without_the_environment(signing_endpoint, home, dataset):
    """Nothing in the environment points at the server: the program says where,
    and which profile's keys to use."""
    ep = signing_endpoint
    credentials(home, {"lab": aws_credentials(ep.creds)})
    outcome = configured_read(ep.url(BAM), {}, endpoint_url=ep.endpoint_url, profile="lab")
    assert_read_bam(outcome, dataset)


def test_configure_wins_over_the_environment_and_files(signing_endpoint, home, dataset):
    ep = signing_endpoint
    config(home, {"default": {"endpoint_url": f"http://127.0.0.1:{closed_port()}"}})
    credentials(home, {"lab": aws_credentials(ep.creds)})
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}", "HTS_S3_HOST": f"127.0.0.1:{closed_port()}",
           "AWS_PROFILE": "other", **UNKNOWN.env()}
    # an explicit profile: the environment's (unknown) keys are not used, as with boto3.Session(profile_name=)
    assert_read_bam(configured_read(ep.url(BAM), env, endpoint_url=ep.endpoint_url, profile="lab"), dataset)


def test_configure_region_and_addressing_style(moto, dataset):
    with S3Proxy(moto.server.port) as proxy:
        endpoint = f"http://localhost:{proxy.port}"
        outcome = configured_read(moto.url(BAM), moto.creds.env(), endpoint_url=endpoint, region="eu-west-3",
                                  addressing_style="virtual")
        seen = {(r["host"], r["region"]) for r in proxy.take()["log"]}
    assert_read_bam(outcome, dataset)
    assert seen == {(f"{moto.bucket}.localhost:{proxy.port}", "eu-west-3")}, seen


def test_the_url_still_wins(moto, dataset):
    """s3+http:// in the URL beats an https endpoint given by the program."""
    outcome = configured_read(moto.url(BAM, scheme="s3+http"), moto.creds.env(),
                              endpoint_url=f"https://{moto.host}")
    assert_read_bam(outcome, dataset)


CONFIGURE_ERRORS = """
import pysam_s3
errors = []
for kw in ({"endpoint_url": "127.0.0.1:9000"}, {"addressing_style": "sideways"}, {"region": ""}):
    try:
        pysam_s3.configure(**kw)
    except ValueError as e:
        errors.append(str(e))
result = [errors, pysam_s3.settings()]
"""


def test_configure_refuses_what_cannot_work():
    outcome = run(CONFIGURE_ERRORS, {})
    assert outcome.ok, str(outcome)
    assert outcome.result == [["endpoint_url must be an http:// or https:// URL, not '127.0.0.1:9000'",
                               "addressing_style must be one of auto, virtual, path, not 'sideways'",
                               "region must be a non-empty string, not ''"], {}]


RESET = """
import pysam, pysam_s3
from tests.s3 import probe
pysam_s3.configure(endpoint_url={wrong!r})
try:
    probe.read("alignments", {url!r}, {regions!r})
    first = "read"
except OSError as e:
    first = type(e).__name__
previous = pysam_s3.configure()
result = [first, previous, probe.read("alignments", {url!r}, {regions!r})]
"""


def test_configure_with_nothing_removes_the_settings(moto, dataset):
    wrong = f"http://127.0.0.1:{closed_port()}"
    outcome = run(RESET.format(wrong=wrong, url=moto.url(BAM), regions=REGION), moto.env())
    assert outcome.ok, str(outcome)
    first, previous, records = outcome.result
    assert (first, previous) == ("ConnectionRefusedError", {"endpoint_url": wrong})
    assert records == probe.read("alignments", str(dataset / "reads.bam"), REGION)
