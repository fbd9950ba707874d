"""Assertions on what a pysam run gave, with short messages: a record list can
be thousands of lines, so only the first difference is shown."""

from __future__ import annotations

from testkit.credentials import MASK, redact
from tests.s3 import probe
from tests.s3.runner import Outcome, probe_call, run


def _at(records: list[str], i: int) -> str:
    return repr(records[i])[:200] if i < len(records) else "(none)"


def assert_same_records(outcome: Outcome, expected: dict[str, list[str]]) -> None:
    """The run succeeded and read, region by region, exactly the local records."""
    assert outcome.ok, str(outcome)
    got = outcome.result
    assert sum(map(len, expected.values())), "the local read found nothing: the comparison would prove nothing"
    assert list(got) == list(expected), f"regions read: {list(got)}, expected {list(expected)}"
    for region, want in expected.items():
        have = got[region]
        if have != want:
            i = next((i for i, (a, b) in enumerate(zip(have, want)) if a != b), min(len(have), len(want)))
            raise AssertionError(f"{region}: {len(have)} records via S3, {len(want)} locally; "
                                 f"first difference at #{i}:\n  S3:    {_at(have, i)}\n  local: {_at(want, i)}")


def assert_raised(outcome: Outcome, exc_type: str, errno: int | None, message: str) -> None:
    """The run failed with exactly this exception type, errno and message, and no
    secret reached the message (the outcome is redacted: a mask there is a leak)."""
    assert not outcome.ok and not outcome.timed_out, str(outcome)
    assert outcome.error == (exc_type, errno, redact(message)), str(outcome)
    # where a BAM or SAM may be streaming: no S3 answer may reach it
    assert outcome.stdout == "", f"stdout of a failed run: {outcome.stdout[:300]!r}"
    assert MASK not in outcome.message, f"a secret reached the exception (masked here): {outcome.message}"


# --- the standard read: one region of data/reads.bam ------------------------------

BAM = "data/reads.bam"
REGION = [("chr1", 10_000, 12_000)]


def read_bam(url: str, env: dict, verbosity: int | None = None, timeout: float = 30.0) -> Outcome:
    return run(probe_call("read", "alignments", url, REGION, verbosity=verbosity), env, timeout=timeout)


def assert_read_bam(outcome: Outcome, dataset) -> None:
    """The run read exactly the region of reads.bam that is read locally."""
    assert_same_records(outcome, probe.read("alignments", str(dataset / "reads.bam"), REGION))


def alignment_error(errno: int, strerror: str, url: str, detail: str | None = None) -> str:
    """The message of an AlignmentFile that could not be opened; *detail* is
    htslib's explanation (hfile_error_detail: the S3 error code and its cause)."""
    return f"[Errno {errno}] Could not open alignment file: {strerror}{'; ' + detail if detail else ''}: '{url}'"


def assert_denied(outcome: Outcome, url: str, *fragments: str) -> None:
    """PermissionError opening *url*, explained by htslib with each of *fragments*
    (e.g. the S3 error code, which key id from where)."""
    assert not outcome.ok and not outcome.timed_out, str(outcome)
    assert (outcome.exc_type, outcome.errno) == ("PermissionError", 13), str(outcome)
    start = "[Errno 13] Could not open alignment file: Permission denied; S3 "
    assert outcome.message.startswith(start) and outcome.message.endswith(f": '{redact(url)}'"), str(outcome)
    assert MASK not in outcome.message, f"a secret reached the exception (masked here): {outcome.message}"
    missing = [f for f in fragments if redact(f) not in outcome.message]
    assert not missing, f"{missing} not in: {outcome.message}"


def unknown_key(source: str) -> tuple[str, str]:
    """Fragments of the refusal of testkit.credentials.UNKNOWN, taken from *source*."""
    return "(S3 error InvalidAccessKeyId, HTTP 403)", f"key id ...0000 from {source}"


def refused(url: str, detail: str | None = None) -> tuple[str, int, str]:
    """The error when nothing listens, e.g. a request sent to the tests' dead proxy."""
    return "ConnectionRefusedError", 111, alignment_error(111, "Connection refused", url, detail)
