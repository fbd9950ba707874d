"""Transient failures are tried again, as botocore's standard retry mode does:
a fault on the first attempt of every request (a reset, a body cut short, S3's
5xx, throttling and RequestTimeout answers) leaves the records read and the
object written exactly what they are without it; a fault on every attempt ends
in an error naming the last cause and the number of attempts. On every server."""

from __future__ import annotations

import collections

import pytest

from testkit.proxies.faults import CutShort, first_attempts, Reset
from tests.s3.checks import BAM, alignment_error, assert_raised, assert_read_bam, read_bam
from tests.s3.runner import probe_call, run

pytestmark = pytest.mark.timeout(120)

# what S3 documents as transient, as the proxy gives it
TRANSIENT = {
    "reset": Reset(),
    "body-cut-short": CutShort(keep=10),
    "500-InternalError": (500, "InternalError"),
    "503-SlowDown": (503, "SlowDown"),
    "400-RequestTimeout": (400, "RequestTimeout"),
    "429-TooManyRequests": (429, "TooManyRequests"),
    "502": (502, "BadGateway"),
    "504": (504, "GatewayTimeout"),
}


@pytest.mark.parametrize("fault", TRANSIENT)
def test_a_read_survives_a_fault_on_every_first_attempt(local_endpoint, dataset, fault):
    """Every GET (header, index, data) fails once; each is sent again for the
    same Range, so the records are exactly the local ones: no gap, no duplicate."""
    proxy, env = local_endpoint.through(first_attempts(TRANSIENT[fault]))
    with proxy:
        outcome = read_bam(local_endpoint.url(BAM), env, timeout=90)
    assert_read_bam(outcome, dataset)
    attempts = collections.defaultdict(list)
    for r in proxy.take()["log"]:
        attempts[r["path"], r["range"]].append("fault" if r["fault"] else r["status"])
    assert len(attempts) >= 3, attempts  # the header, the index, the region's data
    for request, answers in attempts.items():  # (htslib reads the first range twice: see issue 16)
        assert answers[0] == "fault" and set(answers[1:]) <= {200, 206, 404} and answers[1:], (request, answers)


@pytest.mark.parametrize("fault", ["reset", "503-SlowDown", "500-InternalError"])
def test_a_write_survives_a_fault_on_every_first_attempt(local_endpoint, sources_for_writes, isolated, fault):
    """CreateMultipartUpload, each part and CompleteMultipartUpload fail once; the
    object equals the local write byte for byte and no upload is left open."""
    ep = local_endpoint
    source, limit = sources_for_writes
    key = ep.scratch("retried.bam")
    proxy, env = ep.through(first_attempts(TRANSIENT[fault], methods=("PUT", "POST")))
    with proxy:
        outcome = run(probe_call("copy", "alignments", str(source), [ep.url(key), "local.bam"], "wb", limit),
                      env, timeout=110)
    assert outcome.ok, str(outcome)
    assert ep.get(key) == (isolated / "local.bam").read_bytes()
    methods = [m for m, _, _ in proxy.seen]
    assert methods == ["POST", "POST", "PUT", "PUT", "PUT", "PUT", "POST", "POST"], proxy.seen  # 2 parts
    if ep.shows_multipart:
        assert ep.open_uploads() == []


@pytest.fixture(scope="module")
def sources_for_writes(big_bam):
    """A BAM of two parts (> 5 MiB): the first 25,000 records of the big BAM."""
    return big_bam, 25_000


def test_completion_error_inside_200_is_retried(local_endpoint, dataset, isolated):
    """S3 may answer CompleteMultipartUpload with 200 OK and an <Error> body; that
    used to make close() succeed with no object. It is now retried like a 500."""
    ep = local_endpoint
    key = ep.scratch("completed.bam")
    proxy, env = ep.through(first_attempts((200, "InternalError"), methods=("POST",), path_has="uploadId="))
    with proxy:
        outcome = run(probe_call("copy", "alignments", str(dataset / "reads.bam"), [ep.url(key), "local.bam"], "wb"),
                      env)
    assert outcome.ok, str(outcome)
    assert ep.get(key) == (isolated / "local.bam").read_bytes()
    assert [m for m, path, _ in proxy.seen if "uploadId=" in path] == ["PUT", "POST", "POST"], proxy.seen


def always(answer):
    return lambda method, path, headers: answer if method == "GET" else None


def test_a_fault_on_every_attempt_names_the_cause_and_the_attempts(moto):
    """Three attempts in all (botocore's standard mode), then the last cause."""
    proxy, env = moto.through(always((503, "SlowDown")))
    with proxy:
        outcome = read_bam(moto.url(BAM), env)
    assert [m for m, _, _ in proxy.seen] == ["GET"] * 3, proxy.seen
    url = moto.url(BAM)
    assert_raised(outcome, "OSError", 16, alignment_error(
        16, "Device or resource busy", url, f"S3 read of {moto.bucket}/{moto.key(BAM)}: injected by the tests' "
        "faulty proxy (S3 error SlowDown, HTTP 503) (given up after 3 attempts)"))


@pytest.mark.parametrize("settings, attempts", [
    ({"AWS_MAX_ATTEMPTS": "5"}, 5),
    ({"AWS_MAX_ATTEMPTS": "1"}, 1),
    ({"AWS_RETRY_MODE": "legacy"}, 5),
    ({"AWS_RETRY_MODE": "standard"}, 3),
    ({"AWS_RETRY_MODE": "legacy", "AWS_MAX_ATTEMPTS": "2"}, 2),
    ({"profile": "max_attempts = 4"}, 4),
    ({"profile": "retry_mode = legacy", "AWS_MAX_ATTEMPTS": "2"}, 2),
])
def test_the_number_of_attempts_is_the_sdks_setting(moto, home, settings, attempts):
    settings = dict(settings)
    if "profile" in settings:
        (home / ".aws").mkdir(exist_ok=True)
        (home / ".aws" / "config").write_text(f"[default]\n{settings.pop('profile')}\n")
    proxy, env = moto.through(always((500, "InternalError")))
    with proxy:
        outcome = read_bam(moto.url(BAM), {**env, **settings}, timeout=90)
    assert not outcome.ok, str(outcome)
    assert [m for m, _, _ in proxy.seen] == ["GET"] * attempts, proxy.seen
    tail = f" (given up after {attempts} attempts)" if attempts > 1 else ""
    assert f"(S3 error InternalError, HTTP 500){tail}: '" in outcome.message, str(outcome)


def test_what_is_not_transient_is_not_retried(moto):
    proxy, env = moto.through(always((403, "AccessDenied")))
    with proxy:
        outcome = read_bam(moto.url(BAM), env)
    assert [m for m, _, _ in proxy.seen] == ["GET"], proxy.seen
    assert (outcome.exc_type, outcome.errno) == ("PermissionError", 13), str(outcome)
    assert "attempts" not in outcome.message


@pytest.mark.parametrize("settings, message", [
    ({"AWS_RETRY_MODE": "eager"},
     "Unknown retry mode 'eager' (from AWS_RETRY_MODE): use standard, legacy or adaptive"),
    ({"AWS_MAX_ATTEMPTS": "0"},
     "Max attempts '0' (from AWS_MAX_ATTEMPTS) is not a whole number from 1 to 100"),
    ({"AWS_MAX_ATTEMPTS": "three"},
     "Max attempts 'three' (from AWS_MAX_ATTEMPTS) is not a whole number from 1 to 100"),
])
def test_a_retry_setting_that_cannot_be_right_is_refused(moto, settings, message):
    url = moto.url(BAM)
    assert_raised(read_bam(url, moto.env(**settings)), "OSError", 22,
                  alignment_error(22, "Invalid argument", url, f"S3 configuration: {message}"))


def test_adaptive_mode_says_it_works_as_standard(moto, dataset):
    outcome = read_bam(moto.url(BAM), moto.env(AWS_RETRY_MODE="adaptive"))
    assert_read_bam(outcome, dataset)
    assert ("Retry mode 'adaptive' (from AWS_RETRY_MODE) works as 'standard' here: there is no client-side "
            "rate limiter") in outcome.stderr


def test_a_part_refused_on_every_attempt_fails_the_write_and_aborts_the_upload(local_endpoint, dataset):
    ep = local_endpoint
    key = ep.scratch("refused.bam")
    proxy, env = ep.through(lambda method, path, headers: (503, "SlowDown") if method == "PUT" else None)
    with proxy:
        outcome = run(probe_call("copy", "alignments", str(dataset / "reads.bam"), [ep.url(key)], "wb"), env)
    assert [m for m, path, _ in proxy.seen if "uploadId=" in path] == ["PUT"] * 3 + ["DELETE"], proxy.seen
    assert not outcome.ok and (outcome.exc_type, outcome.errno) == ("OSError", 16), str(outcome)
    assert (f"S3 write of {ep.bucket}/{ep.key(key)}: injected by the tests' faulty proxy (S3 error SlowDown, "
            "HTTP 503) (given up after 3 attempts)") in outcome.message, str(outcome)
    assert not ep.exists(key)
    if ep.shows_multipart:
        assert ep.open_uploads() == []
