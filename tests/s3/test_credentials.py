"""Where htslib finds credentials, and which source wins when there are several.

The order for s3://BUCKET/KEY (README "Configuration precedence"):
ID:SECRET@ in the URL > env keys (unless the URL names a PROFILE@) > the
profile in the credentials file (AWS_SHARED_CREDENTIALS_FILE or
~/.aws/credentials) > the profile in the config file (AWS_CONFIG_FILE or
~/.aws/config) > the s3cfg (HTS_S3_S3CFG or ~/.s3cfg: keys, host_base,
host_bucket and bucket_location, used as a whole only when no AWS keys are
found) > ~/.awssecret. The boto3 side of the standard sources is in
test_aws_config.py; here are htslib's own sources and the contests.

Contests put valid keys in one source and an unknown key id in the other, so
the outcome names the winner; a refusal names the key's source too. They run
on endpoints that check signatures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit.credentials import UNKNOWN, Creds, aws_credentials, ini, s3cfg
from testkit.proxies.sockets import closed_port
from tests.s3.checks import BAM, assert_denied, assert_read_bam, read_bam, unknown_key
from tests.s3.runner import run

pytestmark = pytest.mark.timeout(60)


def write(path: Path, sections: dict) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ini(sections))
    return str(path)


def s3cfg_for(ep, creds: Creds) -> dict:
    """An s3cfg section pointing at *ep* (host, style and region)."""
    return s3cfg(creds, ep.host, ep.style, **({"bucket_location": ep.region} if ep.region else {}))


def no_config_env(ep) -> dict:
    """No keys, no endpoint, no style in the environment."""
    return ep.env(None, AWS_ENDPOINT_URL=None, HTS_S3_ADDRESS_STYLE=None)


# --- each source on its own ------------------------------------------------------

def test_env_keys(signing_endpoint, dataset):
    assert_read_bam(read_bam(signing_endpoint.url(BAM), signing_endpoint.env()), dataset)


def test_env_keys_with_sts_session_token(moto, dataset):
    assert_read_bam(read_bam(moto.url(BAM), moto.env(moto.server.assume_role())), dataset)


@pytest.mark.parametrize("sts", [False, True], ids=["keys", "sts-token"])
def test_credentials_file_default_profile(signing_endpoint, home, dataset, sts):
    ep = signing_endpoint
    if sts and ep.name == "rgw":
        pytest.skip("rgw runs without STS: with `rgw s3 auth use sts` on, Ceph 16 answers unknown keys "
                    "and wrong secrets with AccessDenied, not InvalidAccessKeyId/SignatureDoesNotMatch")
    if sts and ep.name != "moto":
        pytest.skip("STS credentials come from moto")
    creds = ep.server.assume_role() if sts else ep.creds
    write(home / ".aws" / "credentials", {"default": aws_credentials(creds)})
    assert_read_bam(read_bam(ep.url(BAM), ep.env(None)), dataset)


def test_shared_credentials_file_and_aws_profile(signing_endpoint, isolated, dataset):
    ep = signing_endpoint
    path = write(isolated / "team-credentials", {"team": aws_credentials(ep.creds)})
    assert_read_bam(read_bam(ep.url(BAM), ep.env(None, AWS_SHARED_CREDENTIALS_FILE=path, AWS_PROFILE="team")),
                    dataset)


@pytest.mark.parametrize("where", ["HTS_S3_S3CFG", "~/.s3cfg"])
def test_s3cfg_with_host_base_and_host_bucket(signing_endpoint, home, isolated, dataset, where):
    """Keys, host and style all from the s3cfg; nothing in the environment."""
    ep = signing_endpoint
    target = isolated / "team.s3cfg" if where == "HTS_S3_S3CFG" else home / ".s3cfg"
    path = write(target, {"default": s3cfg_for(ep, ep.creds)})
    env = no_config_env(ep) | ({"HTS_S3_S3CFG": path} if where == "HTS_S3_S3CFG" else {})
    assert_read_bam(read_bam(ep.htslib_url(BAM), env), dataset)


def test_s3cfg_with_sts_access_token(moto, home, dataset):
    write(home / ".s3cfg", {"default": s3cfg_for(moto, moto.server.assume_role())})
    assert_read_bam(read_bam(moto.htslib_url(BAM), no_config_env(moto)), dataset)


def test_url_profile_with_its_s3cfg_section(signing_endpoint, home, dataset):
    """s3+http://PROFILE@BUCKET/KEY: the [PROFILE] section gives keys AND host."""
    ep = signing_endpoint
    write(home / ".s3cfg", {"team": s3cfg_for(ep, ep.creds)})
    assert_read_bam(read_bam(ep.htslib_url(BAM, userinfo="team"), no_config_env(ep)), dataset)


def test_url_profile_without_an_endpoint_goes_to_aws(moto, home, dataset):
    """A PROFILE@ URL and no endpoint setting: the request goes to s3.amazonaws.com,
    which moto, as the http proxy, serves with SigV4 checked."""
    write(home / ".aws" / "credentials", {"team": aws_credentials(moto.creds)})
    assert_read_bam(read_bam(moto.url(BAM, userinfo="team", scheme="s3+http"), moto.server.proxy_env()), dataset)


@pytest.mark.parametrize("sts", [False, True], ids=["id-secret", "id-secret-token"])
def test_url_keys_without_an_endpoint_go_to_aws(moto, dataset, sts):
    """s3+http://ID:SECRET[:TOKEN]@BUCKET/KEY, each part percent-encoded (AWS
    secrets may hold '/', which would otherwise end the bucket name)."""
    creds = moto.server.assume_role() if sts else moto.creds
    url = moto.url(BAM, userinfo=creds.in_url(), scheme="s3+http")
    assert_read_bam(read_bam(url, moto.server.proxy_env()), dataset)


# --- contests ----------------------------------------------------------------------

def contest(ep, home, isolated, first: str, second: str, first_valid: bool):
    """Valid keys in one source, an unknown key in the other. Returns the outcome,
    the URL read and how htslib names the source of the unknown key."""
    good, bad = (ep.creds, UNKNOWN) if first_valid else (UNKNOWN, ep.creds)
    env, named = ep.env(None), {}
    # an s3cfg brings its own host, where s3:// means https: the URL says http
    url = ep.htslib_url(BAM) if {"s3cfg", "HTS_S3_S3CFG"} & {first, second} else ep.url(BAM)
    for source, creds in ((first, good), (second, bad)):
        if source == "env":
            env |= creds.env()
            named[source] = "the environment"
            continue
        path = {"credentials": home / ".aws" / "credentials", "config": home / ".aws" / "config",
                "AWS_SHARED_CREDENTIALS_FILE": isolated / "named-credentials",
                "s3cfg": home / ".s3cfg", "HTS_S3_S3CFG": isolated / "named.s3cfg"}[source]
        if source in ("s3cfg", "HTS_S3_S3CFG"):
            write(path, {"default": s3cfg_for(ep, creds)})
            named[source] = f"section [default] of {path}"
        else:
            write(path, {"default": aws_credentials(creds)})
            named[source] = f"profile 'default' in {path}"
        if source in ("AWS_SHARED_CREDENTIALS_FILE", "HTS_S3_S3CFG"):
            env[source] = str(path)
    return read_bam(url, env), url, named[second if first_valid else first]


@pytest.mark.parametrize("first_valid", [True, False], ids=["winner-valid", "winner-invalid"])
@pytest.mark.parametrize("winner, loser", [
    ("env", "credentials"),
    ("credentials", "config"),
    ("credentials", "s3cfg"),
    ("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ("HTS_S3_S3CFG", "s3cfg"),
])
def test_precedence(signing_endpoint, home, isolated, dataset, winner, loser, first_valid):
    outcome, url, bad_source = contest(signing_endpoint, home, isolated, winner, loser, first_valid)
    if first_valid:
        assert_read_bam(outcome, dataset)
    else:
        assert_denied(outcome, url, *unknown_key(bad_source))


def test_s3cfg_host_base_beats_hts_s3_host(signing_endpoint, home, dataset):
    ep = signing_endpoint
    write(home / ".s3cfg", {"default": s3cfg_for(ep, ep.creds)})
    env = no_config_env(ep) | {"HTS_S3_HOST": f"127.0.0.1:{closed_port()}"}
    assert_read_bam(read_bam(ep.htslib_url(BAM), env), dataset)


# --- htslib's refresh of short-term credentials -----------------------------------

REWRITE_MID_READ = """
import pysam, pathlib

def error(call):
    try:
        return call()
    except OSError as e:
        return f"{{type(e).__name__}}: {{e}}"

f = pysam.AlignmentFile({url!r})
reads = f.fetch(until_eof=True)
first = sum(1 for _ in zip(range(1000), reads))
(pathlib.Path.home() / ".aws" / "credentials").write_text({replacement!r})
result = [first, error(lambda: sum(1 for _ in reads)), error(f.close)]
"""


@pytest.mark.parametrize("expiry, rest", [("2000-01-01T00:00:00Z", "OSError: truncated file"),
                                          ("2999-01-01T00:00:00Z", 179_000)], ids=["expired", "valid"])
def test_credentials_file_is_reread_when_expiry_time_has_passed(moto, home, big_on, expiry, rest):
    """With an expiry_time in the past, htslib reads the credentials file again
    before each request: swapped for an unknown key mid-read, the read then fails,
    and so does close(), naming the new key and where it came from."""
    url = moto.url(big_on(moto))
    credentials = write(home / ".aws" / "credentials", {"default": aws_credentials(moto.creds, expiry_time=expiry)})
    replacement = ini({"default": aws_credentials(UNKNOWN, expiry_time=expiry)})
    outcome = run(REWRITE_MID_READ.format(url=url, replacement=replacement), moto.env(None), timeout=60)
    assert outcome.ok, str(outcome)
    assert outcome.result[:2] == [1000, rest]
    if isinstance(rest, int):
        assert outcome.result[2] is None
    else:
        closed = outcome.result[2]
        assert closed.startswith("PermissionError: [Errno 13] Closing failed: Permission denied; S3 read of "), closed
        assert f"key id ...0000 from profile 'default' in {credentials}" in closed, closed
