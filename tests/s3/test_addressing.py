"""How htslib addresses the bucket: path style (host/BUCKET/KEY), virtual-host
style (BUCKET.host/KEY) and auto (virtual when the bucket name allows it).
libcurl resolves *.localhost to loopback by itself, so virtual-host style
works locally: moto takes the bucket from the first label of BUCKET.localhost;
s3rver (--service-endpoint localhost) from BUCKET.s3.localhost."""

from __future__ import annotations

import pytest

from tests.s3.checks import BAM, alignment_error, assert_raised, assert_read_bam, read_bam

pytestmark = pytest.mark.timeout(60)

# The host name under which each local server answers virtual-host requests.
VIRTUAL_HOST = {"moto": "localhost", "s3rver": "s3.localhost", "rgw": "localhost"}


def host(ep, name: str) -> str:
    return f"{name}:{ep.server.port}"


def test_path_style_with_a_host_name(local_endpoint, dataset):
    ep = local_endpoint
    assert_read_bam(read_bam(ep.url(BAM), ep.env(HTS_S3_HOST=host(ep, "localhost"))), dataset)


@pytest.mark.parametrize("style", ["virtual", "auto"])
def test_virtual_host_style(local_endpoint, dataset, style):
    """'auto' picks virtual-host style: the bucket name is DNS-compliant."""
    ep = local_endpoint
    env = ep.env(HTS_S3_HOST=host(ep, VIRTUAL_HOST[ep.name]),
                 HTS_S3_ADDRESS_STYLE=None if style == "auto" else style)
    assert_read_bam(read_bam(ep.url(BAM), env), dataset)


@pytest.mark.known_gap("auto style with an IP address as host builds BUCKET.127.0.0.1: "
                       "'Destination address required' (errno 89)")
def test_auto_style_with_an_ip_host(local_endpoint):
    ep = local_endpoint
    assert_raised(read_bam(ep.url(BAM), ep.env(HTS_S3_ADDRESS_STYLE=None)), "OSError", 89,
                  alignment_error(89, "Destination address required", ep.url(BAM)))
