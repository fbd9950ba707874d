"""The wheel carries its own network stack: with the system's libcurl, libssl
and libcrypto made unloadable (a private mount namespace binds an empty file
over each), private S3 objects are still read and written over http and https.
Stock pysam borrows the system's libcurl at run time and fails here: see the
ours-vs-stock table in the README."""

from __future__ import annotations

import pytest

from tests import namespaces
from tests.s3 import runner

from .conftest import BUCKET, s3_env

pytestmark = [namespaces.requires_namespaces, pytest.mark.timeout(120)]

ROUND_TRIP = """
import pysam
src = "s3://{bucket}/reads.bam"
dst = "s3://{bucket}/copy-{scheme}.bam"
with pysam.AlignmentFile(src) as f, pysam.AlignmentFile(dst, "wb", template=f) as out:
    for r in f.fetch(until_eof=True):
        out.write(r)
with pysam.AlignmentFile(dst) as f:
    result = [r.to_string() for r in f.fetch(until_eof=True)]
"""


def without_system_network_libraries(tmp_path):
    return lambda argv: namespaces.wrap(argv, scratch=tmp_path / "ns",
                                        hide_libraries=namespaces.library_files())


def test_the_system_libraries_really_are_unloadable(tmp_path):
    assert any("libcurl" in lib for lib in namespaces.library_files()), "nothing to hide on this machine"
    code = ("import ctypes\nresult = {}\n"
            "for name in ('libcurl.so.4', 'libssl.so.3', 'libcrypto.so.3'):\n"
            "    try:\n        ctypes.CDLL(name); result[name] = 'loaded'\n"
            "    except OSError as e:\n        result[name] = str(e)\n")
    out = runner.run(code, {}, wrap=without_system_network_libraries(tmp_path))
    assert out.ok, out
    assert all(value != "loaded" for value in out.result.values()), out.result


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_private_s3_read_and_write_without_system_network_libraries(https_endpoint, pki, tmp_path, scheme):
    """s3:// URLs; the endpoint URL's scheme decides http or https."""
    moto, proxy, expected = https_endpoint
    env = s3_env(moto, proxy) if scheme == "https" else {"AWS_ENDPOINT_URL": moto.url, **moto.full.env()}
    code = ROUND_TRIP.format(scheme=scheme, bucket=BUCKET)
    out = runner.run(code, {**env, "SSL_CERT_FILE": str(pki.ca_pem)},
                     wrap=without_system_network_libraries(tmp_path))
    assert out.ok, out
    assert out.result == expected
    stored = moto.client().get_object(Bucket=BUCKET, Key=f"copy-{scheme}.bam")["Body"].read()
    assert stored[:4] == b"\x1f\x8b\x08\x04"  # a BGZF block: the BAM really is on the server
