"""Writing to S3 with pysam. Every htslib S3 write is a multipart upload (parts
of 5 MiB), so a small file is one part and a > 5 MiB file two. Each snippet
writes the same records to S3 and to a local file in one pass; htslib's
output is deterministic, so the object must equal the local file byte for byte."""

from __future__ import annotations

import hashlib

import pytest

from testkit.proxies.faults import CorruptBody
from testkit.proxies.s3 import Shaping
from tests.s3 import datasets
from tests.s3.checks import alignment_error, assert_denied, assert_raised
from tests.s3.runner import probe_call, run

pytestmark = pytest.mark.timeout(120)

MiB = 1024 * 1024
FORMATS = {"bam": ("alignments", "wb"), "vcf.gz": ("variants", "wz"), "bcf": ("variants", "wb")}
SMALL = {"bam": "reads.bam", "vcf.gz": "calls.vcf.gz", "bcf": "calls.bcf"}


@pytest.fixture(scope="module")
def sources(dataset, big_bam, tmp_path_factory):
    """(format, size) -> (local source file, record limit)."""
    wide = datasets.wide_vcf(tmp_path_factory.mktemp("wide") / "wide.vcf")
    return {**{(fmt, "small"): (dataset / name, None) for fmt, name in SMALL.items()},
            ("bam", "multipart"): (big_bam, 25_000),
            ("vcf.gz", "multipart"): (wide, None),
            ("bcf", "multipart"): (wide, None)}


def sha(data: bytes) -> str:
    return f"{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}"


@pytest.mark.parametrize("size, parts", [("small", 1), ("multipart", 2)])
@pytest.mark.parametrize("fmt", FORMATS)
def test_write_equals_the_local_write(data_endpoint, sources, isolated, fmt, size, parts):
    """Also on moto in its default mode, whose completion answer
    (<CompleteMultipartUploadResponse>) was taken for a failure: the object
    was stored, close() raised EIO, and the abort's answer went to stdout."""
    endpoint = data_endpoint
    kind, mode = FORMATS[fmt]
    source, limit = sources[fmt, size]
    key = endpoint.scratch(f"written.{fmt}")
    outcome = run(probe_call("copy", kind, str(source), [endpoint.url(key), f"local.{fmt}"], mode, limit),
                  endpoint.env(), timeout=90)
    assert outcome.ok, str(outcome)
    assert outcome.stdout == ""  # libcurl prints unexpected S3 answers (failed completions) there
    local = (isolated / f"local.{fmt}").read_bytes()
    size_ok = (size == "multipart") == (len(local) > 5 * MiB)
    assert size_ok, f"a {size} write gave {len(local)} bytes"
    assert sha(endpoint.get(key)) == sha(local)
    if endpoint.shows_multipart:
        etag = endpoint.etag(key)
        assert etag.endswith(f"-{parts}"), f"ETag {etag}: not {parts} part(s)"
        assert endpoint.open_uploads() == []


@pytest.mark.parametrize("parts_at_once", ["4", "1"])
def test_parts_go_out_in_parallel(local_endpoint, big_bam, isolated, parts_at_once):
    """The whole big BAM (about 12 parts of 5 MiB) written with HTS_S3_UPLOAD_PARTS
    parts at once (4, the default, or 1: in turn), as the proxy saw them; the
    object is byte for byte the local write, in its parts' order. Each answer
    comes a second late, as from a distant server, so that parts pile up
    (on loopback they come back before the writer has the next ones)."""
    ep = local_endpoint
    key = ep.scratch("parallel.bam")
    proxy, env = ep.through(shaping=Shaping(latency=1.0), HTS_S3_UPLOAD_PARTS=parts_at_once)
    with proxy:
        outcome = run(probe_call("copy", "alignments", str(big_bam), [ep.url(key), "local.bam"], "wb"),
                      env, timeout=150)
        seen = proxy.take()
    assert outcome.ok, str(outcome)
    local = (isolated / "local.bam").read_bytes()
    parts = -(-len(local) // (5 * MiB + 1))
    assert parts >= 8
    assert sha(ep.get(key)) == sha(local)
    puts = [r for r in seen["log"] if r["method"] == "PUT" and "partNumber=" in r["path"]]
    assert len(puts) in (parts, parts - 1, parts + 1), len(puts)
    assert seen["most_at_once"] == int(parts_at_once), seen["most_at_once"]
    if ep.shows_multipart:
        assert ep.etag(key).endswith(f"-{len(puts)}")
        assert ep.open_uploads() == []


def test_write_to_a_missing_bucket_fails_at_open(endpoint, dataset):
    url = endpoint.url("out/x.bam", bucket=endpoint.missing_bucket())
    outcome = run(probe_call("copy", "alignments", str(dataset / "reads.bam"), [url], "wb"), endpoint.env())
    bucket = url.split("/")[2]
    detail = (f"S3 write of {url[len('s3://'):]}: there is no bucket '{bucket}' at {endpoint.endpoint_url} "
              f"(from AWS_ENDPOINT_URL) (S3 error NoSuchBucket, HTTP 404)")
    assert_raised(outcome, "FileNotFoundError", 2, alignment_error(2, "No such file or directory", url, detail))


def test_write_without_permission_fails_at_open(moto, dataset):
    url = moto.url(moto.scratch("denied.bam"))
    outcome = run(probe_call("copy", "alignments", str(dataset / "reads.bam"), [url], "wb"),
                  moto.env(moto.server.denied))
    assert_denied(outcome, url, f"S3 write of {url[len('s3://'):]}: key id ...{moto.server.denied.key_id[-4:]} "
                                "from the environment may not write this object (S3 error AccessDenied, HTTP 403)")
    assert moto.open_uploads() == []


def write_failing_completion(ep, dataset, fmt: str, answer: tuple[int, str], verbosity=None):
    """Write a small file through a proxy that answers CompleteMultipartUpload
    (POST ...?uploadId=...) with *answer*; returns the outcome and the key."""
    kind, mode = FORMATS[fmt]
    key = ep.scratch(f"never.{fmt}")
    proxy, env = ep.through(lambda method, path, headers: answer if method == "POST" and "uploadId=" in path else None)
    with proxy:
        outcome = run(probe_call("copy", kind, str(dataset / SMALL[fmt]), [ep.url(key)], mode,
                                 verbosity=verbosity), env)
    # the part, the completion tried three times, then the abort (s3rver has no abort: 405)
    assert [m for m, path, _ in proxy.seen if "uploadId=" in path] == ["PUT", "POST", "POST", "POST", "DELETE"], \
        proxy.seen
    assert not ep.exists(key)
    return outcome, key


@pytest.mark.parametrize("answer", [(500, "InternalError"), (200, "InternalError")])
@pytest.mark.parametrize("fmt", ["bam", "vcf.gz"])
def test_refused_completion_is_reported_at_close(local_endpoint, dataset, fmt, answer):
    """A completion refused on every attempt (also inside 200 OK, which used to
    make close() succeed with no object) fails close() and aborts the upload."""
    outcome, key = write_failing_completion(local_endpoint, dataset, fmt, answer)
    ep = local_endpoint
    # s3rver cannot abort an upload (405): the exception says so, as it would for any failed abort
    abort = ("; the upload could not be aborted (S3 error MethodNotAllowed, HTTP 405): its parts stay stored "
             "until a lifecycle rule for incomplete multipart uploads removes them") if ep.name == "s3rver" else ""
    assert_raised(outcome, "OSError", 5,
                  f"[Errno 5] Closing failed: Input/output error; S3 write of {ep.bucket}/{ep.key(key)}: "
                  f"injected by the tests' faulty proxy (S3 error InternalError, HTTP {answer[0]}) "
                  f"(given up after 3 attempts){abort}: '{ep.url(key)}'")
    if ep.shows_multipart:
        assert ep.open_uploads() == []


def test_a_part_changed_on_the_way_is_refused(rgw, dataset):
    """Every part is signed with its SHA-256 (x-amz-content-sha256), which AWS and
    Ceph RGW check against what arrived: a part with one byte changed on the way
    is refused, close() fails, and the upload is aborted; nothing is stored.
    (moto and s3rver do not check the hash, so this runs on RGW only.)"""
    key = rgw.scratch("damaged.bam")
    proxy, env = rgw.through(lambda method, path, headers: CorruptBody() if method == "PUT" else None)
    with proxy:
        outcome = run(probe_call("copy", "alignments", str(dataset / "reads.bam"), [rgw.url(key)], "wb"), env)
    assert_raised(outcome, "OSError", 5, f"[Errno 5] Closing failed: Input/output error; S3 write of "
                  f"{rgw.bucket}/{rgw.key(key)}: the data the server received is not the data sent (its checksum "
                  "differs): it was changed on the way, and not stored (S3 error XAmzContentSHA256Mismatch, HTTP "
                  f"400): '{rgw.url(key)}'")
    assert [m for m, path, _ in proxy.seen if "uploadId=" in path] == ["PUT", "DELETE"], proxy.seen
    assert not rgw.exists(key) and rgw.open_uploads() == []


SLOW_WRITER = """
import itertools, time, pysam
with pysam.AlignmentFile({source!r}) as src, \\
        pysam.AlignmentFile({url!r}, "wb", template=src) as out, \\
        pysam.AlignmentFile("local.bam", "wb", template=src) as local:
    records = src.fetch(until_eof=True)
    for burst in range(4):
        for r in itertools.islice(records, 25_000):
            out.write(r)
            local.write(r)
        time.sleep({pause})
result = "written"
"""


@pytest.mark.timeout(150)
def test_a_slow_writer_keeps_its_parts_moving(moto, big_bam, isolated):
    """Parts in flight move only while the application writes, and S3 ends a
    request whose body stops coming (RequestTimeout, after about 20 s; the
    proxy here after 2.5 s). A writer pausing 4 s after each part's worth of
    records: after its first pause every write returns only once the parts
    in flight are sent whole, so at most the first part idles half-sent (it
    is sent again); before, every part did."""
    key = moto.scratch("slow.bam")
    proxy, env = moto.through(idle_timeout=2.5)
    with proxy:
        outcome = run(SLOW_WRITER.format(source=str(big_bam), url=moto.url(key), pause=4), env, timeout=110)
        log = proxy.take()["log"]
    assert outcome.ok, str(outcome)
    idle = [r for r in log if r["fault"] == "idle"]
    parts = [r for r in log if r["method"] == "PUT" and r["status"] == 200]
    assert len(parts) >= 4 and len(idle) <= 1, f"{len(idle)} requests idled out, {len(parts)} parts stored"
    assert sha(moto.get(key)) == sha((isolated / "local.bam").read_bytes())
