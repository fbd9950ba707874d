"""How htslib addresses the bucket: path style (host/BUCKET/KEY), virtual-host
style (BUCKET.host/KEY) and auto (virtual when the bucket name allows it).
libcurl resolves *.localhost to loopback by itself, so virtual-host style
works locally: moto takes the bucket from the first label of BUCKET.localhost;
s3rver (--service-endpoint localhost) from BUCKET.s3.localhost."""

from __future__ import annotations

import pytest

from tests.s3.checks import BAM, assert_read_bam, read_bam

pytestmark = pytest.mark.timeout(60)

# The host name under which each local server answers virtual-host requests.
VIRTUAL_HOST = {"moto": "localhost", "s3rver": "s3.localhost", "rgw": "localhost"}


def host(ep, name: str) -> str:
    return f"{name}:{ep.server.port}"


def test_path_style_with_a_host_name(local_endpoint, dataset):
    ep = local_endpoint
    assert_read_bam(read_bam(ep.htslib_url(BAM), ep.htslib_env(HTS_S3_HOST=host(ep, "localhost"))), dataset)


@pytest.mark.parametrize("style", ["virtual", "auto"])
def test_virtual_host_style(local_endpoint, dataset, style):
    """With HTS_S3_HOST, 'auto' picks virtual-host style when the bucket name is
    DNS-compliant, as htslib always did (an endpoint URL defaults to path style)."""
    ep = local_endpoint
    env = ep.htslib_env(HTS_S3_HOST=host(ep, VIRTUAL_HOST[ep.name]),
                        HTS_S3_ADDRESS_STYLE=None if style == "auto" else style)
    assert_read_bam(read_bam(ep.htslib_url(BAM), env), dataset)


def test_auto_style_with_an_ip_host_is_path_style(local_endpoint, dataset):
    """'auto' with an IP address as host used to build BUCKET.127.0.0.1 and fail with
    'Destination address required'; an IP address now always gets path style."""
    ep = local_endpoint
    assert_read_bam(read_bam(ep.htslib_url(BAM), ep.htslib_env(HTS_S3_ADDRESS_STYLE=None)), dataset)
