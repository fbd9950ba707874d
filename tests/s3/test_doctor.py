"""python -m pysam_s3 doctor: what htslib will use and why, and each failure of
the standard configuration diagnosed with its cause and one line of advice,
never showing a secret. (TLS certificate failures: tests/network_stack.)"""

from __future__ import annotations

import email.utils
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from testkit import ROOT
from testkit.credentials import MASK, UNKNOWN, aws_credentials
from testkit.isolation import isolated_env
from testkit.proxies.sockets import closed_port
from testkit.stand_ins import StandIn
from tests.s3.checks import BAM
from tests.s3.reference import config, credentials
from tests.s3.runner import run

pytestmark = pytest.mark.timeout(90)

DIAGNOSE = """
import pysam, pysam_s3
report = pysam_s3.diagnose({url!r})
result = report.to_dict()
result["text"] = report.text()
"""


def diagnose(url: str, env: dict) -> dict:
    outcome = run(DIAGNOSE.format(url=url), env)
    assert outcome.ok, str(outcome)
    assert MASK not in str(outcome.result), "a secret reached the report"  # the runner masked one
    return outcome.result


def statuses(report: dict) -> dict[str, str]:
    return {c["name"]: c["status"] for c in report["checks"]}


def check(report: dict, name: str) -> dict:
    return next(c for c in report["checks"] if c["name"] == name)


def test_doctor_reports_how_the_url_is_reached(signing_endpoint, home):
    ep = signing_endpoint
    config(home, {"profile lab": {"endpoint_url": ep.endpoint_url, "region": "eu-west-2"}})
    credentials(home, {"lab": aws_credentials(ep.creds)})
    report = diagnose(ep.url(BAM), {"AWS_PROFILE": "lab", "AWS_EC2_METADATA_DISABLED": "true"})
    c = report["configuration"]
    assert report["ok"] and report["advice"] == [], report["text"]
    assert statuses(report) == {"config": "ok", "dns": "ok", "tcp": "ok", "tls": "skip", "clock": "ok",
                                "object": "ok", "index": "ok"}
    assert (c["request_url"], c["endpoint"], c["addressing"], c["region"], c["profile"]) == (
        f"{ep.endpoint_url}/{ep.bucket}/{ep.key(BAM)}", ep.endpoint_url, "path", "eu-west-2", "lab")
    assert c["endpoint_source"] == f"from endpoint_url of profile 'lab' in {home}/.aws/config"
    assert c["region_source"] == f"from region of profile 'lab' in {home}/.aws/config"
    assert c["credentials"] == f"profile 'lab' in {home}/.aws/credentials"  # static keys: htslib reads them
    assert c["key_id_end"] == ep.creds.key_id[-4:] and "secret" not in str(c).lower()
    assert check(report, "index")["detail"].startswith("reads.bam.bai (htslib looks for reads.bam.csi")


def test_doctor_command_line_and_json(moto):
    """The command: a text report, --json for scripts, exit status 1 on a failure."""
    full_env = {**isolated_env(Path(os.environ["HOME"])), **moto.env(), "PYTHONPATH": str(ROOT)}
    good = subprocess.run([sys.executable, "-m", "pysam_s3", "doctor", moto.url(BAM)], env=full_env,
                          capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.startswith(f"{moto.url(BAM)}\n  request      {moto.endpoint_url}/{moto.bucket}/")
    assert "  OK    object  htslib opened it" in good.stdout
    missing = moto.url("data/nope.bam")
    bad = subprocess.run([sys.executable, "-m", "pysam_s3", "doctor", "--json", missing], env=full_env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    [report] = json.loads(bad.stdout)
    assert report["advice"] == [f"S3 read of {moto.bucket}/{moto.key('data/nope.bam')}: there is no such object "
                                "(S3 error NoSuchKey, HTTP 404)"]
    assert moto.creds.secret not in good.stdout + bad.stdout


# Each failure of the standard configuration, as the object check and its advice name it
REFUSALS = {
    "wrong-secret": (lambda ep: ep.creds.with_secret("wrong" + ep.creds.secret[5:]),
                     "the secret key does not match key id ...{tail} from the environment "
                     "(S3 error SignatureDoesNotMatch, HTTP 403)"),
    "unknown-key": (lambda ep: UNKNOWN, "does not know key id ...0000 from the environment"),
    "no-permission": (lambda ep: ep.local_server().denied, "key id ...{tail} from the environment may not read this "
                                                   "object (S3 error AccessDenied"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_doctor_names_why_a_key_is_refused(signing_endpoint, case):
    ep = signing_endpoint
    make, fragment = REFUSALS[case]
    creds = make(ep)
    report = diagnose(ep.url(BAM), ep.env(creds, AWS_EC2_METADATA_DISABLED="true"))
    assert not report["ok"] and check(report, "object")["status"] == "fail", report["text"]
    [advice] = report["advice"]
    assert fragment.format(tail=creds.key_id[-4:]) in advice, advice


def test_doctor_bad_session_token(moto):
    report = diagnose(moto.url(BAM), moto.env(moto.server.assume_role().with_token("FQoGZXIvYXdzEBogus" * 8)))
    assert report["advice"] == [f"S3 read of {moto.bucket}/{moto.key(BAM)}: the session token from the environment "
                                "is not valid for this server (S3 error InvalidToken, HTTP 400)"]
    assert report["configuration"]["session_token"] == "yes"


@pytest.mark.parametrize("what", ["bucket", "key"])
def test_doctor_missing_bucket_or_object(endpoint, what):
    ep = endpoint
    bucket = ep.missing_bucket() if what == "bucket" else ep.bucket
    url = ep.url("data/nope.bam" if what == "key" else BAM, bucket=bucket)
    [advice] = diagnose(url, ep.env())["advice"]
    assert advice.endswith("(S3 error NoSuchBucket, HTTP 404)" if what == "bucket"
                           else "there is no such object (S3 error NoSuchKey, HTTP 404)"), advice


def test_doctor_no_index(endpoint):
    report = diagnose(endpoint.url("data/noindex.bam"), endpoint.env())
    assert report["ok"] and check(report, "index")["status"] == "warn", report["text"]
    assert report["advice"] == ["no index next to the object (noindex.bam.csi, noindex.csi, noindex.bam.bai, "
                                "noindex.bai): region queries need one; create it (samtools index, tabix) or "
                                "name it with index_filename="]


def test_doctor_no_credentials(moto, home):
    report = diagnose(moto.url(BAM), {"AWS_ENDPOINT_URL": moto.endpoint_url, "AWS_EC2_METADATA_DISABLED": "true"})
    assert report["configuration"]["credentials"] == "none"
    assert "requests are not signed" in report["text"]
    [advice] = report["advice"]
    assert advice.endswith(f"the request was not signed: no credentials were found in the environment, profile "
                           f"'default' in {home}/.aws/credentials and {home}/.aws/config, the rest of the AWS SDK's "
                           f"chain (the registered provider), or {home}/.s3cfg"), advice


def test_doctor_configuration_refused(moto, home):
    report = diagnose(moto.url(BAM), moto.env(AWS_PROFILE="nope"))
    assert statuses(report) == {"config": "fail"}
    assert report["advice"] == [f"S3 configuration: The S3 profile 'nope' (from AWS_PROFILE) is not in "
                                f"{home}/.aws/config or {home}/.aws/credentials"]


# --- the network ----------------------------------------------------------------------

def test_doctor_host_that_does_not_resolve(moto):
    report = diagnose(moto.url(BAM), moto.env(AWS_ENDPOINT_URL="http://no-such-host.invalid:9000",
                                             NO_PROXY="*", no_proxy="*"))
    assert statuses(report) == {"config": "ok", "dns": "fail"}
    assert report["advice"] == ["no-such-host.invalid does not resolve: check the endpoint "
                                "http://no-such-host.invalid:9000 (from AWS_ENDPOINT_URL)"]


def test_doctor_nothing_listening(moto):
    port = closed_port()
    report = diagnose(moto.url(BAM), moto.env(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}"))
    assert statuses(report) == {"config": "ok", "dns": "ok", "tcp": "fail"}
    assert report["advice"] == [f"nothing answers at 127.0.0.1:{port}: is the endpoint http://127.0.0.1:{port} "
                                "(from AWS_ENDPOINT_URL) right, and the server up?"]


def test_doctor_https_against_an_http_endpoint(moto):
    report = diagnose(moto.url(BAM), moto.env(AWS_ENDPOINT_URL=f"https://{moto.host}"))
    assert statuses(report) == {"config": "ok", "dns": "ok", "tcp": "ok", "tls": "fail"}
    assert report["advice"] == [f"{moto.host} does not complete a TLS handshake: if the server speaks plain http, "
                                "use an http:// endpoint URL (or an s3+http:// URL)"]


class SkewedServer(StandIn):
    """An S3 stand-in whose clock is an hour ahead: every answer carries that Date
    and AWS's RequestTimeTooSkewed refusal (what S3 answers a request signed an
    hour in the past)."""

    name = "skewed-s3"

    def __init__(self, skew: float = 3600):
        self.skew = skew
        super().__init__()

    def answer(self, method: str, path: str, headers, body: bytes) -> tuple:
        now = time.time() + self.skew
        refusal = (f"<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request "
                   f"time and the current time is too large.</Message><RequestTime>"
                   f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}</RequestTime><ServerTime>"
                   f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(now))}</ServerTime></Error>").encode()
        return 403, "application/xml", refusal, {"Date": email.utils.formatdate(now, usegmt=True)}


def test_doctor_clock_skew(moto):
    server = SkewedServer()
    try:
        report = diagnose(moto.url(BAM), moto.env(AWS_ENDPOINT_URL=server.url))
    finally:
        server.stop()
    assert statuses(report)["clock"] == "fail" and statuses(report)["object"] == "fail", report["text"]
    clock, obj = report["advice"]
    seconds = re.fullmatch(r"this machine's clock is (\d+) s behind the server's: S3 refuses requests more "
                           r"than 15 minutes off; correct the clock \(NTP\)", clock)
    assert seconds and abs(int(seconds.group(1)) - 3600) <= 5, clock
    assert "this computer's clock differs too much from the server's" in obj
    assert obj.endswith("correct the clock (S3 error RequestTimeTooSkewed, HTTP 403)")
