"""htslib's worker threads and a credential provider in Python.

With `threads=N`, a BGZF reader thread of htslib's signs the S3 requests
while the thread that waits for it may hold the GIL (bgzf_check_EOF at open,
hts_close). htslib therefore calls the registered provider (botocore's chain,
pysam_s3/credentials.py) only on the thread that opens a file, and our own
renewal thread pushes fresh keys into htslib before they expire
(htslib/hfile.h, hts_s3_credentials_update). Keys come from a
`credential_process` here: the provider runs Python code for every refresh.
Before this contract, keys expiring inside the 15-minute renewal margin made
`AlignmentFile(url, threads=4)` hang for ever at open.
"""

from __future__ import annotations

import json
import sys

import pytest

from tests.s3 import datasets, probe
from tests.s3.reference import config
from tests.s3.runner import run

pytestmark = pytest.mark.timeout(180)

REGIONS = datasets.big_regions(8)

# A credential_process handing out the next key set of keys.json at each call,
# expiring LIFETIME seconds later; calls counts the calls.
CREDENTIAL_PROCESS = """import json, sys, time
from datetime import datetime, timedelta, timezone
folder, lifetime = sys.argv[1], float(sys.argv[2])
keys = json.load(open(folder + "/keys.json"))
try:
    n = int(open(folder + "/calls").read())
except FileNotFoundError:
    n = 0
open(folder + "/calls", "w").write(str(n + 1))
key = keys[n % len(keys)]
expires = datetime.now(timezone.utc) + timedelta(seconds=lifetime)
print(json.dumps({"Version": 1, "AccessKeyId": key[0], "SecretAccessKey": key[1], "SessionToken": key[2],
                  "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}))
"""


def credential_process(home, folder, keys: list, lifetime: float) -> None:
    """Profile lab gets its keys from CREDENTIAL_PROCESS."""
    (folder / "keys.json").write_text(json.dumps([[k.key_id, k.secret, k.token] for k in keys]))
    (folder / "creds.py").write_text(CREDENTIAL_PROCESS)
    config(home, {"profile lab": {"credential_process": f"{sys.executable} {folder}/creds.py {folder} {lifetime}"}})


def provider_env(ep) -> dict:
    return {**ep.env(creds=None), "AWS_PROFILE": "lab", "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.mark.parametrize("threads", [1, 2, 4, 8])
def test_threads_with_keys_inside_the_renewal_margin(signing_endpoint, big_on, big_bam, home, isolated, threads):
    """Keys that expire 2 minutes ahead (inside the 15-minute margin, as IRSA or
    SSO keys late in their hour): open, read regions (seeks), stream, close
    with N threads, as a local read does; it used to hang at open."""
    ep = signing_endpoint
    key = big_on(ep)
    credential_process(home, isolated, [ep.creds], lifetime=120)
    regions = REGIONS + [None] if threads == 4 else REGIONS
    outcome = run(f"from tests.s3 import probe\n"
                  f"result = probe.digest('alignments', {ep.url(key)!r}, {regions!r}, threads={threads})\n",
                  provider_env(ep), timeout=90)
    assert outcome.ok, str(outcome)
    assert outcome.result == probe.digest("alignments", str(big_bam), regions)
    assert int((isolated / "calls").read_text()) >= 1  # the keys did come from the provider


ROTATING_READ = """
import time, pysam
from tests.s3 import probe
calls = lambda: int(open({calls!r}).read())
deadline = time.monotonic() + 60
with pysam.AlignmentFile({url!r}, threads={threads}) as bam:
    at_open, rounds = calls(), 0
    # read on until the provider has been asked twice more, then once more
    while rounds < 2 or calls() < at_open + 2:
        got = probe.digest_open(bam, "alignments", {regions!r})
        rounds += 1
        assert got == {expected!r}, f"round {{rounds}} read other records"
        assert time.monotonic() < deadline, f"no renewal after {{rounds}} rounds"
    got = probe.digest_open(bam, "alignments", {regions!r})
result = {{"rounds": rounds + 1, "renewals": calls() - at_open, "records": got}}
"""


@pytest.mark.parametrize("threads", [1, 4])
def test_keys_rotating_mid_read(moto, big_on, big_bam, home, isolated, threads):
    """Keys that live 20 s, each call of the provider handing out other ones
    (STS temporary keys): one open file keeps reading across the rotations, its
    requests signed with the new keys as they come, whether htslib's reader
    thread or the application's thread signs them."""
    key = big_on(moto)
    keys = [moto.server.assume_role() for _ in range(4)]
    credential_process(home, isolated, keys, lifetime=20)
    expected = probe.digest("alignments", str(big_bam), REGIONS)
    proxy, _ = moto.through()
    with proxy:
        env = {**provider_env(moto), "AWS_ENDPOINT_URL": f"http://{proxy.hostport}"}
        outcome = run(ROTATING_READ.format(calls=str(isolated / "calls"), url=moto.url(key), threads=threads,
                                           regions=REGIONS, expected=expected), env, timeout=120)
        log = proxy.take()["log"]
    assert outcome.ok, str(outcome)
    assert outcome.result["records"] == expected
    used = [r["key_id"] for r in log if r["method"] == "GET"]
    assert None not in used and len(set(used)) >= 2, f"requests were signed with {len(set(used))} key(s)"
    assert set(used) <= {k.key_id for k in keys}
