"""An https S3 endpoint on loopback: moto behind a TLS proxy whose certificate
comes from a CA these tests create (and that no system trusts)."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

import pysam
from testkit import certificates
from testkit.proxies.tls import TlsProxy
from testkit.s3servers import MotoServer
from tests import data

BUCKET = "tls-bucket"


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return certificates.make(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """(directory with reads.bam + .bai, its records)."""
    files = tmp_path_factory.mktemp("tls-data")
    fasta = data.reference(files / "ref.fa")
    bam = data.alignments(files / "reads.bam", 500, fasta=fasta)
    with pysam.AlignmentFile(str(bam)) as f:
        return files, data.reads(f)


@pytest.fixture(scope="session")
def https_files(tls_files, pki):
    """(https://127.0.0.1:PORT, expected records): a plain web server behind the TLS proxy."""
    files, expected = tls_files
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(files))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with TlsProxy(httpd.server_address[1], pki.server_cert, pki.server_key) as proxy:
            yield f"https://{proxy.hostport}", expected
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def https_endpoint(tmp_path_factory, tls_files, pki):
    """(moto, proxy, expected records) with reads.bam (+.bai) in BUCKET."""
    files, expected = tls_files
    moto = MotoServer(tmp_path_factory.mktemp("moto-tls"), BUCKET).start()
    try:
        for name in ("reads.bam", "reads.bam.bai"):
            moto.client().upload_file(str(files / name), BUCKET, name)
        with TlsProxy(moto.port, pki.server_cert, pki.server_key) as proxy:
            yield moto, proxy, expected
    finally:
        moto.stop()


def s3_env(moto, proxy) -> dict[str, str]:
    """The standard configuration: an https endpoint URL (the TLS proxy) and keys."""
    return {"AWS_ENDPOINT_URL": f"https://{proxy.hostport}", **moto.full.env()}


READ_OVER_HTTPS = f"""
import pysam
with pysam.AlignmentFile("s3://{BUCKET}/reads.bam") as f:
    result = [r.to_string() for r in f.fetch(until_eof=True)]
"""
