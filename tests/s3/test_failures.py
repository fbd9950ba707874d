"""How reads fail: the exception type, errno and message pysam gives for each
cause. htslib's explanation (hfile_error_detail: the S3 error code, which key
from where, which endpoint from where) is part of the message itself, at the
default verbosity. Verbosity 8 and above is never used: curl then prints the
Authorization header."""

from __future__ import annotations

import os

import pytest

from tests.s3.checks import (BAM, REGION, alignment_error, assert_denied, assert_raised, assert_read_bam,
                             read_bam, unknown_key)
from testkit.credentials import MASK, UNKNOWN
from testkit.proxies.sockets import BlackHole, closed_port, FullBacklog
from tests.s3.runner import probe_call, run

pytestmark = pytest.mark.timeout(60)


def explained(ep, code: str, status: int, hint: str, what: str = "read", name: str = BAM) -> str:
    """htslib's explanation of an S3 error answer."""
    return f"S3 {what} of {ep.bucket}/{ep.key(name)}: {hint} (S3 error {code}, HTTP {status})"


# --- credentials the server refuses: each names its cause --------------------------

def test_refusals_name_their_cause(signing_endpoint):
    """Wrong secret, unknown key id and a user without permission were all a bare
    'Permission denied'; each now says what S3 said and which key from where."""
    ep = signing_endpoint
    url, key = ep.url(BAM), f"key id ...{ep.creds.key_id[-4:]} from the environment"
    wrong = read_bam(url, ep.env(ep.creds.with_secret("wrong" + ep.creds.secret[5:])))
    assert_denied(wrong, url, explained(ep, "SignatureDoesNotMatch", 403, f"the secret key does not match {key}"))
    unknown = read_bam(url, ep.env(UNKNOWN))
    assert_denied(unknown, url, explained(ep, "InvalidAccessKeyId", 403,
                                          f"{ep.endpoint_url} does not know key id ...0000 from the environment"))
    denied = ep.local_server().denied
    refused_user = read_bam(url, ep.env(denied))
    assert_denied(refused_user, url, explained(
        ep, "AccessDenied", 403, f"key id ...{denied.key_id[-4:]} from the environment may not read this object"))


def test_unknown_key_on_every_server(endpoint):
    url = endpoint.url(BAM)
    assert_denied(read_bam(url, endpoint.env(UNKNOWN)), url, *unknown_key("the environment"))


def test_session_key_without_its_token(moto):
    creds = moto.server.assume_role().with_token(None)
    url = moto.url(BAM)
    assert_denied(read_bam(url, moto.env(creds)), url, "(S3 error InvalidAccessKeyId, HTTP 403)")


def test_bad_session_token(moto):
    """A rejected session token was 'Invalid argument' (errno 22, HTTP 400
    InvalidToken); it is a refusal of the credentials: PermissionError."""
    url = moto.url(BAM)
    outcome = read_bam(url, moto.env(moto.server.assume_role().with_token("FQoGZXIvYXdzEBogus" * 8)))
    assert_denied(outcome, url, explained(moto, "InvalidToken", 400,
                                          "the session token from the environment is not valid for this server"))


def test_anonymous_request_says_where_keys_were_looked_for(moto, home):
    """No keys anywhere: htslib asks the rest of the SDK's chain (botocore; the
    instance metadata service is switched off here) and then sends the request
    unsigned; the refusal says where keys were looked for."""
    url = moto.url(BAM)
    outcome = read_bam(url, moto.env(None, AWS_EC2_METADATA_DISABLED="true"))
    assert_denied(outcome, url, f"the request was not signed: no credentials were found in the environment, "
                                f"profile 'default' in {home}/.aws/credentials and {home}/.aws/config, the rest "
                                f"of the AWS SDK's chain (the registered provider), or {home}/.s3cfg")


def test_unreachable_instance_metadata_is_named_not_fatal(moto, home):
    """Where "no keys" is an answer (htslib found none), botocore not reaching the
    instance metadata service (here: the tests' dead proxy) is not an error; the
    reason is part of the refusal."""
    url = moto.url(BAM)
    outcome = read_bam(url, moto.env(None))
    assert_denied(outcome, url, "the rest of the AWS SDK's chain (the registered provider: botocore: "
                                "ProxyConnectionError: Failed to connect to proxy URL")


# S3 error answers the local servers never give, with the elements AWS documents
# for them; a faulty proxy answers every GET with one (pysam: "from the environment").
AWS_ONLY = {
    "ExpiredToken": (400, {"Message": "The provided token has expired."},
                     "the session token from the environment has expired: get new temporary credentials"),
    "RequestTimeTooSkewed": (403, {"RequestTime": "20261201T101500Z", "ServerTime": "2026-12-01T09:40:00Z",
                                   "MaxAllowedSkewMilliseconds": "900000"},
                             "this computer's clock differs too much from the server's "
                             "(20261201T101500Z here, 2026-12-01T09:40:00Z there): correct the clock"),
    "AuthorizationHeaderMalformed": (400, {"Region": "eu-central-1"},
                                     "the request was signed for region 'eu-central-1' (as the server's "
                                     "AuthorizationHeaderMalformed answer asked) but the server expects "
                                     "'eu-central-1': set AWS_REGION or the profile's region"),
    "PermanentRedirect": (301, {"Endpoint": "pysam-s3-test.s3.eu-central-1.amazonaws.com"},
                          "the bucket must be addressed at pysam-s3-test.s3.eu-central-1.amazonaws.com, not "
                          "{endpoint} (from AWS_ENDPOINT_URL)"),
}


@pytest.mark.parametrize("code", AWS_ONLY)
def test_aws_error_answers_are_explained(moto, code):
    status, fields, hint = AWS_ONLY[code]
    proxy, env = moto.through(lambda method, path, headers: (status, code, fields) if method == "GET" else None)
    with proxy:
        endpoint = env["AWS_ENDPOINT_URL"]
        outcome = read_bam(moto.url(BAM), env)
    errno = {"AuthorizationHeaderMalformed": 22, "PermanentRedirect": 22}.get(code, 13)
    assert (outcome.errno, outcome.message.split("; ")[0]) == (
        errno, f"[Errno {errno}] Could not open alignment file: {os.strerror(errno)}"), str(outcome)
    assert explained(moto, code, status, hint.format(endpoint=endpoint)) in outcome.message, str(outcome)


# --- what is not there -----------------------------------------------------------

# pysam class -> (file under data/, probe kind, how pysam words the failed open)
MISSING = {
    "AlignmentFile": ("nope.bam", "alignments", "Could not open alignment file"),
    "VariantFile": ("nope.vcf.gz", "variants", "Could not open variant file"),
    "TabixFile": ("nope.bed.gz", "tabix", "Could not open file"),
    "FastaFile": ("nope.fa", "fasta", "Could not open FASTA file"),
}


@pytest.mark.parametrize("cls", list(MISSING))
def test_missing_object(endpoint, cls):
    """Every opener gives FileNotFoundError with S3's reason (TabixFile and
    FastaFile used to lose the errno: a plain OSError)."""
    name, kind, words = MISSING[cls]
    url = endpoint.url(f"data/{name}")
    detail = explained(endpoint, "NoSuchKey", 404, "there is no such object", name=f"data/{name}")
    assert_raised(run(probe_call("read", kind, url, REGION), endpoint.env()), "FileNotFoundError", 2,
                  f"[Errno 2] {words}: No such file or directory; {detail}: '{url}'")


def test_missing_bucket(endpoint):
    bucket = endpoint.missing_bucket()
    url = endpoint.url(BAM, bucket=bucket)
    detail = (f"S3 read of {bucket}/{endpoint.key(BAM)}: there is no bucket '{bucket}' at {endpoint.endpoint_url} "
              f"(from AWS_ENDPOINT_URL) (S3 error NoSuchBucket, HTTP 404)")
    assert_raised(read_bam(url, endpoint.env()), "FileNotFoundError", 2,
                  alignment_error(2, "No such file or directory", url, detail))


def test_fetch_without_index_fails_and_leaves_nothing(endpoint):
    outcome = read_bam(endpoint.url("data/noindex.bam"), endpoint.env())
    assert_raised(outcome, "ValueError", None, "no index available for iteration")
    assert outcome.cwd_files == []


def test_variant_fetch_without_index(endpoint):
    outcome = run(probe_call("read", "variants", endpoint.url("data/calls_noidx.vcf.gz"), REGION), endpoint.env())
    assert_raised(outcome, "ValueError", None, "fetch requires an index")
    assert outcome.cwd_files == []


@pytest.mark.known_gap("a CRAM whose reference cannot be found reads 'truncated file'; "
                       "only stderr names the reference")
def test_cram_without_reference(endpoint):
    outcome = run(probe_call("read", "alignments", endpoint.url("data/reads.cram"), REGION), endpoint.env())
    assert_raised(outcome, "OSError", None, "truncated file")
    assert 'Failed to populate reference "chr1"' in outcome.stderr


# --- the network -----------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["https", "s3+https"])
def test_https_against_an_http_endpoint(local_endpoint, scheme):
    """'Software caused connection abort' alone did not say that TLS was spoken to
    a plain http server; the explanation does."""
    ep = local_endpoint
    env = ep.env(AWS_ENDPOINT_URL=f"https://{ep.host}") if scheme == "https" else ep.env()
    url = ep.url(BAM, scheme="s3" if scheme == "https" else scheme)
    outcome = read_bam(url, env)
    assert (outcome.exc_type, outcome.errno) == ("ConnectionAbortedError", 103), str(outcome)
    assert f"S3 read of {ep.bucket}/{ep.key(BAM)}: the TLS handshake with https://{ep.host} " in outcome.message
    assert "if the server speaks plain http, use an http:// endpoint URL (or an s3+http:// URL)" in outcome.message


def test_nothing_listening(moto):
    port = closed_port()
    outcome = read_bam(moto.url(BAM), moto.env(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}"))
    assert (outcome.exc_type, outcome.errno) == ("ConnectionRefusedError", 111), str(outcome)
    assert f"could not connect to http://127.0.0.1:{port} (from AWS_ENDPOINT_URL): Failed to connect" \
        in outcome.message


def test_a_host_name_that_does_not_resolve(moto):
    """'Destination address required' (errno 89) is htslib's errno for a failed
    lookup; the explanation names the host and where the endpoint came from."""
    env = moto.env(AWS_ENDPOINT_URL="http://no-such-host.invalid:9000", NO_PROXY="*", no_proxy="*")
    outcome = read_bam(moto.url(BAM), env)
    assert (outcome.exc_type, outcome.errno) == ("OSError", 89), str(outcome)
    assert ("could not resolve the host name (Could not resolve host: no-such-host.invalid); the endpoint is "
            "http://no-such-host.invalid:9000 (from AWS_ENDPOINT_URL)") in outcome.message


def read_through(moto, obstacle, **env):
    """Read with the endpoint URL pointing at *obstacle* (a BlackHole, a FullBacklog)."""
    try:
        return read_bam(moto.url(BAM), moto.env(AWS_ENDPOINT_URL=f"http://{obstacle.hostport}", **env), timeout=40)
    finally:
        obstacle.stop()


def test_a_silent_server_times_out(moto):
    """A server that accepts the connection and never answers used to block a read
    for ever; each attempt now stops after HTS_LOW_SPEED_TIME seconds (default 60)
    below HTS_LOW_SPEED_LIMIT bytes/s, and after the third (pauses of at most 1 and
    2 s between them) the read fails with TimeoutError naming the endpoint."""
    hole = BlackHole()
    outcome = read_through(moto, hole, HTS_LOW_SPEED_TIME="2")
    assert (outcome.exc_type, outcome.errno) == ("TimeoutError", 110), str(outcome)
    assert hole.accepted == 3 and outcome.seconds < 3 * 2 + 1 + 2 + 3, str(outcome)
    assert (f"S3 read of {moto.bucket}/{moto.key(BAM)}: http://{hole.hostport} (from AWS_ENDPOINT_URL) did not answer "
            "in time (Operation too slow. Less than 1 bytes/sec transferred the last 2 seconds); the limits are "
            "HTS_CONNECT_TIMEOUT and HTS_LOW_SPEED_TIME seconds (given up after 3 attempts)") in outcome.message


def test_a_connection_that_is_never_made_times_out(moto):
    """SYNs dropped (a full accept queue here, a firewall elsewhere): libcurl would
    wait 300 s; HTS_CONNECT_TIMEOUT (default 10) bounds it."""
    outcome = read_through(moto, FullBacklog(), HTS_CONNECT_TIMEOUT="2", AWS_MAX_ATTEMPTS="1")
    assert (outcome.exc_type, outcome.errno) == ("TimeoutError", 110), str(outcome)
    assert outcome.seconds < 5, str(outcome)
    assert "did not answer in time (Connection timed out after 2" in outcome.message


def test_a_plain_http_url_whose_connection_is_never_made_times_out():
    """htslib's libcurl backend (http://, https:// and gs:// URLs) had a stall
    limit and retries but libcurl's 300 s connect timeout, four times over;
    HTS_CONNECT_TIMEOUT (default 10) now bounds it there too."""
    hole = FullBacklog()
    url = f"http://{hole.hostport}/data/reads.bam"
    try:
        outcome = read_bam(url, {"HTS_CONNECT_TIMEOUT": "2", "HTS_RETRY_MAX": "0"}, timeout=40)
    finally:
        hole.stop()
    assert_raised(outcome, "TimeoutError", 110, alignment_error(110, "Connection timed out", url))
    assert outcome.seconds < 6, str(outcome)


# --- secrets in URLs ---------------------------------------------------------------

def test_secret_in_url_is_never_shown(moto):
    """A secret given in an ID:SECRET@ URL was echoed in the exception and on stderr;
    both now mask it (the key id stays: it names the key, it is not the secret)."""
    creds = moto.creds.with_secret("wrong-but-still-a-secret-" + moto.creds.secret[:8])
    url = moto.url(BAM, userinfo=creds.in_url())
    outcome = read_bam(url, moto.env(None))
    masked = moto.url(BAM, userinfo=f"{creds.key_id}:*")
    assert_denied(outcome, masked, "the secret key does not match key id "
                                   f"...{creds.key_id[-4:]} from the URL")
    assert MASK not in outcome.message + outcome.stderr + outcome.stdout  # nothing left for the runner to mask
    assert f'Failed to open file "{masked}"' in outcome.stderr


def test_loopback_only_when_no_proxy_allows(moto, dataset):
    """The guard the suite relies on: with NO_PROXY cleared, even loopback goes to the
    dead proxy; with it, the read works (libcurl honours both)."""
    blocked = read_bam(moto.url(BAM), moto.env(NO_PROXY=None, no_proxy=None))
    assert (blocked.exc_type, blocked.errno) == ("ConnectionRefusedError", 111), str(blocked)
    assert "could not connect to http://" in blocked.message
    assert_read_bam(read_bam(moto.url(BAM), moto.env()), dataset)
