"""TLS that verifies, and finds its CA certificates at run time (issue: self-
contained network stack). The wheel's libcurl/OpenSSL have no compiled-in CA
path; htslib (patches/htslib/0002) takes CURL_CA_BUNDLE, SSL_CERT_FILE,
SSL_CERT_DIR, or else the distributions' standard locations.

The layouts are made for one process in a private mount namespace with an
overlay on /etc, so the machine's own /etc is never touched."""

from __future__ import annotations


import pytest

from tests import namespaces
from tests.s3 import runner

from .conftest import BUCKET, READ_OVER_HTTPS, s3_env

pytestmark = [pytest.mark.timeout(120)]

LAYOUTS = {
    "debian-ubuntu": "/etc/ssl/certs/ca-certificates.crt",
    "rhel-fedora-amazon": "/etc/pki/tls/certs/ca-bundle.crt",
    "rhel-extracted": "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "suse": "/etc/ssl/ca-bundle.pem",
    "alpine": "/etc/ssl/cert.pem",
}


def in_layout(files: dict[str, bytes], tmp_path):
    return lambda argv: namespaces.wrap(argv, scratch=tmp_path / "ns", etc_files=files,
                                        etc_remove=("/etc/ssl", "/etc/pki"))


@pytest.mark.ours
@namespaces.requires_namespaces
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_distribution_layout_is_found(https_endpoint, pki, tmp_path, layout):
    moto, proxy, expected = https_endpoint
    files = {LAYOUTS[layout]: pki.ca_pem.read_bytes()}
    out = runner.run(READ_OVER_HTTPS, s3_env(moto, proxy), wrap=in_layout(files, tmp_path))
    assert out.ok, out
    assert out.result == expected


@pytest.mark.ours
@namespaces.requires_namespaces
def test_a_hashed_certificate_directory_is_found(https_endpoint, pki, tmp_path):
    moto, proxy, expected = https_endpoint
    files = {f"/etc/ssl/certs/{pki.ca_subject_hash}": pki.ca_pem.read_bytes()}
    out = runner.run(READ_OVER_HTTPS, s3_env(moto, proxy), wrap=in_layout(files, tmp_path))
    assert out.ok, out
    assert out.result == expected


@pytest.mark.parametrize("variable", ["CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"])
def test_environment_variables_name_the_ca(https_endpoint, pki, variable):
    """The machine's own CA bundle does not know our CA: only the variable can make this work."""
    moto, proxy, expected = https_endpoint
    value = str(pki.ca_pem.parent if variable == "SSL_CERT_DIR" else pki.ca_pem)
    if variable == "SSL_CERT_DIR":
        (pki.ca_pem.parent / pki.ca_subject_hash).unlink(missing_ok=True)
        (pki.ca_pem.parent / pki.ca_subject_hash).symlink_to(pki.ca_pem.name)
    out = runner.run(READ_OVER_HTTPS, {**s3_env(moto, proxy), variable: value})
    assert out.ok, out
    assert out.result == expected


def test_unknown_ca_fails_with_a_certificate_error(https_endpoint):
    moto, proxy, _ = https_endpoint
    before = proxy.request_bytes
    out = runner.run(READ_OVER_HTTPS, s3_env(moto, proxy))
    assert not out.ok and not out.timed_out
    assert (out.exc_type, out.errno) == ("OSError", 5), out
    # the reason is in the exception itself, not only on stderr
    assert (f"[Errno 5] Could not open alignment file: Input/output error; S3 read of {BUCKET}/reads.bam: "
            f"the TLS certificate of https://{proxy.hostport} could not be verified") in out.message, out
    assert "; set CURL_CA_BUNDLE or SSL_CERT_FILE to a CA bundle that trusts the server" in out.message, out
    assert "TLS certificate problem: SSL peer certificate or SSH remote key was not OK" in out.stderr, out
    assert "Set CURL_CA_BUNDLE or SSL_CERT_FILE" in out.stderr, out
    # not one byte of a request (headers, signature) went to a server whose certificate failed:
    # the client may hang up inside the TLS handshake or right after it (curl 8.21 does the latter)
    assert proxy.request_bytes == before


@pytest.mark.ours
def test_a_foreign_openssl_cnf_is_never_read(https_endpoint, pki, tmp_path):
    """A host's openssl.cnf (RHEL crypto policies, FIPS, conda) must not break the bundled OpenSSL."""
    moto, proxy, expected = https_endpoint
    broken = tmp_path / "openssl.cnf"
    broken.write_text("openssl_conf = init\n[init]\nproviders = p\n[p]\nfips = fips_sect\n"
                      "[fips_sect]\nactivate = 1\nmodule = /nonexistent/fips.so\n")
    out = runner.run(READ_OVER_HTTPS, {**s3_env(moto, proxy), "CURL_CA_BUNDLE": str(pki.ca_pem),
                                       "OPENSSL_CONF": str(broken)})
    assert out.ok, out
    assert out.result == expected


@pytest.mark.ours
def test_python_ssl_and_the_bundled_openssl_coexist(https_endpoint, pki):
    """The interpreter's own OpenSSL (ssl, hashlib) loaded first, then pysam's: no symbol clash."""
    moto, proxy, expected = https_endpoint
    code = "import ssl, hashlib\nversion = ssl.OPENSSL_VERSION\n" + READ_OVER_HTTPS + \
        "\nresult = {'records': result, 'python_openssl': version, 'sha': hashlib.sha256(b'x').hexdigest()}\n"
    out = runner.run(code, {**s3_env(moto, proxy), "CURL_CA_BUNDLE": str(pki.ca_pem)})
    assert out.ok, out
    assert out.result["records"] == expected
    assert out.result["python_openssl"].startswith("OpenSSL")


def test_https_urls_outside_s3_verify_too(https_files, pki):
    """htslib's plain libcurl backend (https:// URLs), with and without the CA."""
    base, expected = https_files
    code = f"import pysam\nwith pysam.AlignmentFile('{base}/reads.bam') as f:\n" \
           "    result = [r.to_string() for r in f.fetch(until_eof=True)]\n"
    refused = runner.run(code, {})
    assert not refused.ok and "TLS certificate problem" in refused.stderr, refused
    assert "TLS certificate problem: SSL peer certificate or SSH remote key was not OK. CA certificates used" \
        in refused.message, refused
    out = runner.run(code, {"CURL_CA_BUNDLE": str(pki.ca_pem)})
    assert out.ok, out
    assert out.result == expected


DOCTOR = f"""
import pysam, pysam_s3
report = pysam_s3.diagnose("s3://{BUCKET}/reads.bam")
result = {{c.name: [c.status, c.detail] for c in report.checks}}
result["advice"] = report.advice
"""


def test_doctor_names_the_ca_certificates(https_endpoint, pki):
    """doctor's TLS check uses the CA certificates htslib would use, and names them."""
    moto, proxy, _ = https_endpoint
    untrusted = runner.run(DOCTOR, s3_env(moto, proxy))
    assert untrusted.ok, untrusted
    status, detail = untrusted.result["tls"]
    assert status == "fail" and detail.startswith("certificate not verified with /"), detail
    assert untrusted.result["advice"][0].startswith(
        "the server's certificate is not trusted by the CA certificates htslib uses (")
    trusted = runner.run(DOCTOR, {**s3_env(moto, proxy), "CURL_CA_BUNDLE": str(pki.ca_pem)})
    assert trusted.ok, trusted
    status, detail = trusted.result["tls"]
    assert status == "ok" and detail.endswith(f"verified with {pki.ca_pem}"), detail
    assert trusted.result["object"][0] == "ok" and trusted.result["advice"] == []
