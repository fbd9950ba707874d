"""Objects that are not what they should be: one that changes while it is read,
an empty one, a truncated or corrupted one, a BAM with only a .csi index. Each gives a clear
error (the local file's, where there is one) or the right records; never
mixed or silently short data."""

from __future__ import annotations

import pytest

from tests.s3.checks import REGION, assert_same_records
from tests.s3 import probe
from tests.s3.runner import probe_call, run

pytestmark = pytest.mark.timeout(120)


def test_an_object_that_changes_while_it_is_read_is_an_error(local_endpoint, big_on, big_bam, tmp_path):
    """Every range after the first asks for the version opened (If-Match with its
    ETag): a newer version (here: larger, different at every offset) is refused,
    not mixed into the records."""
    ep = local_endpoint
    if ep.name == "s3rver":
        pytest.skip("s3rver ignores If-Match on GET and serves the newer version: pysam then fails on the "
                    "mixed data (an inflate error) rather than naming the change; AWS and RGW refuse with 412")
    key = ep.scratch("changing.bam")
    ep.client.copy_object(Bucket=ep.bucket, Key=ep.key(key), CopySource={"Bucket": ep.bucket, "Key": ep.key(big_on(ep))})
    newer = tmp_path / "newer.bam"
    newer.write_bytes(bytes(2 << 20) + big_bam.read_bytes())
    outcome = run(probe_call("read_while_replaced", ep.url(key), 1_000, ep.bucket, ep.key(key), str(newer)),
                  ep.env(), timeout=100)
    assert not outcome.ok, f"read {outcome.result} records across two versions of the object"
    assert (outcome.exc_type, outcome.errno) == ("OSError", 116), str(outcome)
    assert f"S3 read of {ep.bucket}/{ep.key(key)}: the object changed while it was read (its ETag is no longer " \
        in outcome.message, str(outcome)
    assert "): open it again (S3 error PreconditionFailed, HTTP 412)" in outcome.message, str(outcome)


def local_and_s3(ep, local, key: str, kind: str = "alignments", regions=None):
    """The outcome of the same read of a local file and of its copy at *key*."""
    ep.client.upload_file(str(local), ep.bucket, ep.key(key))
    call = lambda path: probe_call("read", kind, path, regions or [None])  # noqa: E731
    return run(call(str(local)), {}), run(call(ep.url(key)), ep.env())


def htslib_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("[E::")]


def without_path(message: str, *paths: str) -> str:
    for p in paths:
        message = message.replace(p, "PATH")
    return message


def damaged(whole: bytes, how: str) -> bytes:
    if how == "cut-in-half":
        return whole[: len(whole) // 2]
    if how == "no-eof-block":
        return whole[:-28]
    middle = bytearray(whole)  # one byte flipped inside a compressed block
    middle[len(whole) // 2] ^= 0xFF
    return bytes(middle)


@pytest.mark.parametrize("how", ["cut-in-half", "no-eof-block", "one-byte-flipped"])
def test_a_damaged_bam_fails_as_the_local_file_does(endpoint, dataset, tmp_path, how):
    truncated = tmp_path / "damaged.bam"
    truncated.write_bytes(damaged((dataset / "reads.bam").read_bytes(), how))
    key = endpoint.scratch("damaged.bam")
    local, remote = local_and_s3(endpoint, truncated, key)
    if how == "one-byte-flipped":
        # Both fail at the block's CRC32; the exception's errno is whatever errno
        # last held, locally too (bgzf does not set it): compare htslib's words
        assert not local.ok and not remote.ok, f"local: {local}\nS3: {remote}"
        assert "[E::bgzf_uncompress] CRC32 checksum mismatch" in local.stderr
        assert htslib_lines(remote.stderr) == htslib_lines(local.stderr)
        return
    assert (remote.ok, remote.exc_type, remote.errno) == (local.ok, local.exc_type, local.errno), \
        f"local: {local}\nS3: {remote}"
    if local.ok:  # no EOF block: both read every record, and both warn
        assert remote.result == local.result
        assert "EOF marker is absent" in remote.stderr
    else:
        assert without_path(remote.message, endpoint.url(key)) == without_path(local.message, str(truncated))


def test_an_empty_object_fails_as_an_empty_file_does(endpoint, tmp_path):
    """A range request from byte 0 on an empty object is refused (416): that
    used to fail the open with InvalidRange; it is now an empty file."""
    if endpoint.name == "s3rver":
        pytest.skip("s3rver answers a range request on an empty object with Content-Length: 1 and no body")
    empty = tmp_path / "empty.bam"
    empty.write_bytes(b"")
    key = endpoint.scratch("empty.bam")
    local, remote = local_and_s3(endpoint, empty, key)
    assert not local.ok and not remote.ok
    assert remote.exc_type == local.exc_type, str(remote)
    assert (remote.exc_type, without_path(remote.message, endpoint.url(key))) == \
        (local.exc_type, without_path(local.message, str(empty)))


def test_a_bam_with_only_a_csi_index(endpoint, dataset, tmp_path):
    import pysam
    bam = tmp_path / "csi.bam"
    bam.write_bytes((dataset / "reads.bam").read_bytes())
    pysam.index(str(bam), "-c")
    key = endpoint.scratch("csi.bam")
    endpoint.client.upload_file(str(bam), endpoint.bucket, endpoint.key(key))
    endpoint.client.upload_file(str(bam) + ".csi", endpoint.bucket, endpoint.key(key) + ".csi")
    outcome = run(probe_call("read", "alignments", endpoint.url(key), REGION), endpoint.env())
    assert_same_records(outcome, probe.read("alignments", str(dataset / "reads.bam"), REGION))
