"""The standard AWS configuration, as every AWS tool reads it: endpoint URL,
region, profiles, the config and credentials files, addressing style.

Each test first shows what boto3 (the reference: botocore resolves the
configuration for the AWS CLI v1 and most Python tools) does under exactly the
same environment and files, then that pysam does the same: reads the same
records, writes the same object, or refuses the same configuration. Where the
two differ on purpose, the test says so and the README documents it.
"""

from __future__ import annotations

import pytest

from testkit.credentials import UNKNOWN, aws_credentials
from testkit.proxies.s3 import S3Proxy
from testkit.proxies.sockets import closed_port
from tests.s3.checks import BAM, assert_read_bam, read_bam
from tests.s3.reference import BOTO3_PUT, boto3_get, config, credentials, keys_only, read_like_boto3, write
from tests.s3.runner import probe_call, run

pytestmark = pytest.mark.timeout(90)

# --- the endpoint --------------------------------------------------------------------

def test_endpoint_url_from_the_environment(endpoint, dataset):
    """The quick start: AWS_ENDPOINT_URL and keys, an s3:// URL; http from the endpoint."""
    env = {"AWS_ENDPOINT_URL": endpoint.endpoint_url, **keys_only(endpoint)}
    seen = read_like_boto3(endpoint, env, dataset)
    assert seen["url"].startswith(f"{endpoint.endpoint_url}/{endpoint.bucket}/"), seen


def test_the_s3_endpoint_variable_wins_over_the_global_one(signing_endpoint, dataset):
    ep = signing_endpoint
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}", "AWS_ENDPOINT_URL_S3": ep.endpoint_url,
           **keys_only(ep)}
    read_like_boto3(ep, env, dataset)


def test_endpoint_region_and_keys_from_a_named_profile(signing_endpoint, home, dataset):
    """[profile lab] in ~/.aws/config, [lab] in ~/.aws/credentials, AWS_PROFILE=lab."""
    ep = signing_endpoint
    config(home, {"profile lab": {"endpoint_url": ep.endpoint_url, "region": "eu-west-2"}})
    credentials(home, {"lab": aws_credentials(ep.creds)})
    seen = read_like_boto3(ep, {"AWS_PROFILE": "lab"}, dataset)
    assert seen["region"] == "eu-west-2"


def test_endpoint_url_from_a_services_section(signing_endpoint, home, dataset):
    """The profile names a [services NAME] section whose s3 block has the endpoint;
    it wins over the profile's own endpoint_url. Keys in the config file."""
    ep = signing_endpoint
    config(home, {"default": {"services": "here", "endpoint_url": f"http://127.0.0.1:{closed_port()}",
                              **aws_credentials(ep.creds)},
                  "services here": {"s3": {"endpoint_url": ep.endpoint_url}}})
    read_like_boto3(ep, {}, dataset)


def test_configuration_files_named_by_the_environment(signing_endpoint, isolated, dataset):
    ep = signing_endpoint
    env = {"AWS_CONFIG_FILE": write(isolated / "team" / "config", {"default": {"endpoint_url": ep.endpoint_url}}),
           "AWS_SHARED_CREDENTIALS_FILE": write(isolated / "team" / "keys", {"default": aws_credentials(ep.creds)})}
    read_like_boto3(ep, env, dataset)


def test_ignore_configured_endpoint_urls(moto):
    """AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true: both go to AWS itself, which the
    tests' dead proxy refuses at once."""
    env = {"AWS_ENDPOINT_URL": moto.endpoint_url, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", **keys_only(moto)}
    got = boto3_get(moto, BAM, env)
    assert not got.ok and "ProxyConnectionError" in got.exc_type + got.message, str(got)
    outcome = read_bam(moto.url(BAM), env)
    assert outcome.exc_type == "ConnectionRefusedError", str(outcome)
    assert "could not connect to https://s3.amazonaws.com (AWS itself: no endpoint is configured)" in outcome.message


# --- addressing ----------------------------------------------------------------------

def through_proxy(ep) -> S3Proxy:
    """A recording proxy in front of a local server; requests keep their Host header."""
    return S3Proxy(ep.local_server().port)


@pytest.mark.parametrize("style", ["virtual", "path"])
def test_addressing_style_from_the_profiles_s3_section(signing_endpoint, home, dataset, style):
    """With a host name (localhost, not an IP address) virtual-hosted style is
    possible; the profile's s3 block picks it (the default for an endpoint URL is path)."""
    ep = signing_endpoint
    with through_proxy(ep) as proxy:
        config(home, {"default": {"endpoint_url": f"http://localhost:{proxy.port}", "s3": {"addressing_style": style}}})
        read_like_boto3(ep, keys_only(ep), dataset)
        hosts = {(r["host"], r["path"].split("/")[1]) for r in proxy.take()["log"]}
    bucket_host = f"{ep.bucket}.localhost:{proxy.port}"
    if style == "virtual":
        assert {h for h, _ in hosts} == {bucket_host}, hosts
    else:
        assert hosts == {(f"localhost:{proxy.port}", ep.bucket)}, hosts


def test_an_ip_address_gets_path_style_even_when_virtual_is_asked_for(signing_endpoint, home, dataset):
    ep = signing_endpoint
    with through_proxy(ep) as proxy:
        config(home, {"default": {"endpoint_url": f"http://{proxy.hostport}", "s3": {"addressing_style": "virtual"}}})
        read_like_boto3(ep, keys_only(ep), dataset)
        hosts = {(r["host"], r["path"].split("/")[1]) for r in proxy.take()["log"]}
    assert hosts == {(proxy.hostport, ep.bucket)}, hosts


def test_an_invalid_addressing_style_is_refused(moto, home):
    config(home, {"default": {"endpoint_url": moto.endpoint_url, "s3": {"addressing_style": "sideways"}}})
    got = boto3_get(moto, BAM, keys_only(moto))
    assert got.exc_type == "InvalidS3AddressingStyleError", str(got)
    outcome = read_bam(moto.url(BAM), keys_only(moto))
    assert outcome.exc_type == "OSError" and outcome.errno == 22, str(outcome)
    assert 'Invalid S3 addressing style "sideways" in s3 addressing_style of profile \'default\'' in outcome.message


# --- the region the requests are signed for ------------------------------------------

def signed_regions(ep, env: dict, dataset) -> tuple[set, str]:
    """(regions pysam's requests were signed for, boto3's region) through a recording proxy."""
    with through_proxy(ep) as proxy:
        env = {"AWS_ENDPOINT_URL": f"http://{proxy.hostport}", **env}
        seen = read_like_boto3(ep, env, dataset)
        proxy.take()
        assert_read_bam(read_bam(ep.url(BAM), env), dataset)
        return {r["region"] for r in proxy.take()["log"]}, seen["region"]


@pytest.mark.parametrize("source", ["AWS_DEFAULT_REGION", "config", "credentials"])
def test_requests_are_signed_for_the_configured_region(signing_endpoint, home, dataset, source):
    ep = signing_endpoint
    env = keys_only(ep)
    if source == "AWS_DEFAULT_REGION":
        env["AWS_DEFAULT_REGION"] = "eu-west-2"
    elif source == "config":
        config(home, {"default": {"region": "eu-west-2"}})
    else:  # botocore reads a profile's settings from the credentials file too
        credentials(home, {"default": {"region": "eu-west-2"}})
    assert signed_regions(ep, env, dataset) == ({"eu-west-2"}, "eu-west-2")


def test_aws_region_is_read_though_boto3_does_not(signing_endpoint, dataset):
    """Where the SDKs disagree we follow the AWS CLI v2 and the other SDKs:
    AWS_REGION, then AWS_DEFAULT_REGION. botocore reads only AWS_DEFAULT_REGION."""
    ep = signing_endpoint
    env = {**keys_only(ep), "AWS_REGION": "eu-west-2"}
    assert signed_regions(ep, env, dataset) == ({"eu-west-2"}, "us-east-1")
    env["AWS_DEFAULT_REGION"] = "ap-south-1"
    assert signed_regions(ep, env, dataset) == ({"eu-west-2"}, "ap-south-1")


# --- which profile, which keys ----------------------------------------------------------

def test_aws_default_profile_wins_over_aws_profile(signing_endpoint, home, dataset):
    """botocore's order (and htslib's, before us): AWS_DEFAULT_PROFILE first."""
    ep = signing_endpoint
    credentials(home, {"good": aws_credentials(ep.creds), "bad": aws_credentials(UNKNOWN)})
    endpoint = {"AWS_ENDPOINT_URL": ep.endpoint_url}
    read_like_boto3(ep, {**endpoint, "AWS_DEFAULT_PROFILE": "good", "AWS_PROFILE": "bad"}, dataset)
    env = {**endpoint, "AWS_DEFAULT_PROFILE": "bad", "AWS_PROFILE": "good"}
    assert boto3_get(ep, BAM, env).exc_type == "ClientError"
    assert read_bam(ep.url(BAM), env).exc_type == "PermissionError"


def test_environment_keys_win_over_the_profiles(signing_endpoint, home, dataset):
    ep = signing_endpoint
    config(home, {"profile lab": {"endpoint_url": ep.endpoint_url, **aws_credentials(UNKNOWN)}})
    credentials(home, {"lab": aws_credentials(UNKNOWN)})
    read_like_boto3(ep, {"AWS_PROFILE": "lab", **keys_only(ep)}, dataset)


def test_the_credentials_file_wins_over_the_config_file(signing_endpoint, home, dataset):
    ep = signing_endpoint
    config(home, {"default": {"endpoint_url": ep.endpoint_url, **aws_credentials(UNKNOWN)}})
    credentials(home, {"default": aws_credentials(ep.creds)})
    read_like_boto3(ep, {}, dataset)


def test_keys_in_the_config_file(signing_endpoint, home, dataset):
    ep = signing_endpoint
    config(home, {"profile lab": {"endpoint_url": ep.endpoint_url, **aws_credentials(ep.creds)}})
    read_like_boto3(ep, {"AWS_PROFILE": "lab"}, dataset)


def test_session_token_from_a_profile(moto, home, dataset):
    config(home, {"default": {"endpoint_url": moto.endpoint_url}})
    credentials(home, {"default": aws_credentials(moto.server.assume_role())})
    read_like_boto3(moto, {}, dataset)


# --- what both refuse ------------------------------------------------------------------

def test_a_profile_that_does_not_exist(moto, home):
    env = {"AWS_ENDPOINT_URL": moto.endpoint_url, "AWS_PROFILE": "nope", **keys_only(moto)}
    assert boto3_get(moto, BAM, env).exc_type == "ProfileNotFound"
    outcome = read_bam(moto.url(BAM), env)
    assert (outcome.exc_type, outcome.errno) == ("OSError", 22), str(outcome)
    assert (f"S3 configuration: The S3 profile 'nope' (from AWS_PROFILE) is not in {home}/.aws/config "
            f"or {home}/.aws/credentials") in outcome.message


def test_a_key_id_without_its_secret(moto):
    env = {"AWS_ENDPOINT_URL": moto.endpoint_url, "AWS_ACCESS_KEY_ID": moto.creds.key_id}
    assert boto3_get(moto, BAM, env).exc_type == "PartialCredentialsError"
    outcome = read_bam(moto.url(BAM), env)
    assert (outcome.exc_type, outcome.errno) == ("OSError", 22), str(outcome)
    assert "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not" in outcome.message


def test_an_endpoint_that_is_not_an_http_url(moto):
    env = {"AWS_ENDPOINT_URL": moto.host, **keys_only(moto)}  # no scheme
    assert not boto3_get(moto, BAM, env).ok
    outcome = read_bam(moto.url(BAM), env)
    assert (outcome.exc_type, outcome.errno) == ("OSError", 22), str(outcome)
    assert f'The S3 endpoint "{moto.host}" from AWS_ENDPOINT_URL is not an http:// or https:// URL' \
        in outcome.message


# --- htslib's own settings keep working, and where they win -------------------------------

def test_hts_s3_host_wins_over_the_endpoint_url(signing_endpoint, dataset):
    """htslib's own variable is the more specific one (documented precedence)."""
    ep = signing_endpoint
    env = ep.env(AWS_ENDPOINT_URL=f"http://127.0.0.1:{closed_port()}", HTS_S3_HOST=ep.host,
                 HTS_S3_ADDRESS_STYLE="path")
    assert_read_bam(read_bam(ep.htslib_url(BAM), env), dataset)


def test_a_url_profile_keeps_the_endpoint_settings(signing_endpoint, home, dataset):
    """s3://PROFILE@BUCKET/KEY picks the profile's keys (not the environment's);
    the endpoint still comes from the environment (it used to be dropped)."""
    ep = signing_endpoint
    credentials(home, {"team": aws_credentials(ep.creds)})
    env = ep.env(UNKNOWN)  # keys in the environment lose to the profile named in the URL
    assert_read_bam(read_bam(ep.url(BAM, userinfo="team"), env), dataset)


def test_url_keys_use_the_configured_endpoint(signing_endpoint, dataset):
    ep = signing_endpoint
    assert_read_bam(read_bam(ep.url(BAM, userinfo=ep.creds.in_url()), ep.env(None)), dataset)


def test_an_s3cfg_host_base_left_unused_is_reported(moto, home):
    """Keys in the environment, the endpoint only in an s3cfg: the s3cfg is used as a
    whole only when no AWS keys are found, so the request goes to AWS (refused by the
    tests' dead proxy), and a warning says why."""
    (home / ".s3cfg").write_text(f"[default]\nhost_base = {moto.host}\nhost_bucket = {moto.host}\n")
    outcome = read_bam(moto.url(BAM), keys_only(moto))
    assert outcome.exc_type == "ConnectionRefusedError", str(outcome)
    assert (f"[W::setup_auth_data] Ignoring host_base {moto.host} in {home}/.s3cfg: the S3 keys came from "
            "the environment, and the s3cfg is used only when no other keys are found. To use that host, "
            "set AWS_ENDPOINT_URL") in outcome.stderr


# --- writes ----------------------------------------------------------------------------

def test_write_with_only_the_standard_configuration(signing_endpoint, home, dataset, isolated):
    """boto3 writes under the configuration; pysam writes the same records there and
    to a local file, and the object equals the local file byte for byte."""
    ep = signing_endpoint
    config(home, {"profile lab": {"endpoint_url": ep.endpoint_url, "region": "eu-west-2"}})
    credentials(home, {"lab": aws_credentials(ep.creds)})
    env = {"AWS_PROFILE": "lab"}
    key = ep.scratch("written.bam")
    put = run(BOTO3_PUT.format(bucket=ep.bucket, key=ep.key(key + ".boto3"), path=str(dataset / "reads.bam")), env)
    assert put.ok and put.result == (dataset / "reads.bam").stat().st_size, str(put)
    outcome = run(probe_call("copy", "alignments", str(dataset / "reads.bam"), [ep.url(key), "local.bam"], "wb"),
                  env, timeout=60)
    assert outcome.ok, str(outcome)
    assert ep.get(key) == (isolated / "local.bam").read_bytes()

