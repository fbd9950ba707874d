"""python -m pysam_s3 doctor s3://bucket/key: how htslib reaches an object, what
is in the way, and what to do about it.

What it reports about the configuration comes from htslib itself
(hts_s3_describe): the endpoint, scheme, addressing style, region and
credentials it will use and the setting each came from. Then it checks, in
order: the host name (DNS), the connection (TCP), TLS with the CA
certificates htslib will use, the server's clock against this one, the object
(htslib opens and closes it: the request is htslib's own, signed the same way)
and the index files htslib looks for. Every problem ends in one line of advice.
No secret is ever shown: keys are named by where they come from and the last
four characters of the key id.
"""

from __future__ import annotations

import dataclasses
import email.utils
import errno as errno_names
import http.client
import json
import os
import socket
import ssl
import time
import urllib.request
from urllib.parse import urlsplit

from . import libhts

CLOCK_WARN = 5 * 60   # s: S3 refuses requests more than 15 minutes off
CLOCK_FAIL = 15 * 60

# How htslib names the index of a file, in the order it looks (hts_idx_load3 & co.)
INDEX_SUFFIXES = {
    ".bam": [".bam.csi", ".csi", ".bam.bai", ".bai"],
    ".cram": [".cram.crai", ".crai"],
    ".bcf": [".bcf.csi", ".csi"],
    ".vcf.gz": [".vcf.gz.tbi", ".vcf.gz.csi"],
    ".bed.gz": [".bed.gz.tbi", ".bed.gz.csi"],
    ".gff.gz": [".gff.gz.tbi", ".gff.gz.csi"],
    ".gz": [".gz.tbi", ".gz.csi"],
    ".fa": [".fa.fai"], ".fasta": [".fasta.fai"], ".fa.gz": [".fa.gz.fai", ".fa.gz.gzi"],
}


@dataclasses.dataclass
class Check:
    name: str
    status: str  # "ok", "warn", "fail" or "skip"
    detail: str
    advice: str | None = None


@dataclasses.dataclass
class Report:
    url: str
    configuration: dict[str, str]
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    @property
    def advice(self) -> list[str]:
        return [c.advice for c in self.checks if c.advice]

    def to_dict(self) -> dict:
        return {"url": self.url, "ok": self.ok, "configuration": self.configuration,
                "checks": [dataclasses.asdict(c) for c in self.checks], "advice": self.advice}

    def text(self) -> str:
        c = self.configuration
        lines = [self.url]
        if c:
            creds = c.get("credentials", "?")
            if creds != "none":
                creds += f", key id ...{c.get('key_id_end', '')}, " + (
                    "with a session token" if c.get("session_token") == "yes" else "no session token")
                if c.get("expires", "0") != "0":
                    creds += ", expires " + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(c["expires"])))
            else:
                creds = f"none (looked in {c.get('searched', '?')}): requests are not signed"
            lines += [f"  request      {c.get('request_url', '?')}",
                      f"  endpoint     {c.get('endpoint', '?')} ({c.get('endpoint_source', '?')})",
                      f"  addressing   {c.get('addressing', '?')}",
                      f"  region       {c.get('region', '?')} ({c.get('region_source', '?')})",
                      f"  profile      {c.get('profile', '?')}" + (" (explicit)" if c.get("profile_explicit") == "yes"
                                                                    else ""),
                      f"  credentials  {creds}",
                      f"  CA           {c.get('ca_file') or '(no file)'}" + (f" and {c['ca_dir']}" if c.get('ca_dir')
                                                                              else "")]
        lines.append("checks")
        lines += [f"  {k.status.upper():5} {k.name:7} {k.detail}" for k in self.checks]
        if self.advice:
            lines.append("advice")
            lines += [f"  - {a}" for a in self.advice]
        return "\n".join(lines)


def _proxy_for(scheme: str, host: str) -> str | None:
    """The proxy libcurl would use for this host, from the environment."""
    proxies = urllib.request.getproxies_environment()
    if not proxies or urllib.request.proxy_bypass_environment(host, proxies):
        return None
    return proxies.get(scheme) or proxies.get("all")


def _check_network(c: dict[str, str]) -> tuple[list[Check], bool]:
    """DNS, TCP, TLS and clock checks for the endpoint in *c*; (checks, reachable)."""
    request = urlsplit(c["request_url"])
    scheme, host, port = request.scheme, request.hostname or "", request.port
    port = port or (443 if scheme == "https" else 80)
    checks: list[Check] = []
    proxy = _proxy_for(scheme, host)
    if proxy:
        p = urlsplit(proxy)
        checks.append(Check("proxy", "ok", f"requests to {host} go through the proxy {p.hostname}:{p.port}"))
        host, port = p.hostname or "", p.port or 80
    try:
        if host == "localhost" or host.endswith(".localhost"):
            addresses = ["127.0.0.1"]  # as libcurl resolves them, without asking DNS
        else:
            addresses = sorted({a[4][0] for a in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})
        checks.append(Check("dns", "ok", f"{host} is {', '.join(addresses)}"))
    except OSError as e:
        virtual = c.get("addressing") == "virtual"
        checks.append(Check("dns", "fail", f"{host} does not resolve ({e})",
                            f"{host} does not resolve: check the endpoint {c['endpoint']} "
                            f"({c['endpoint_source']})" + (
                                "; with virtual-hosted addressing the bucket is part of the host name: "
                                "set addressing_style = path in the profile's s3 section if the server "
                                "does not support that" if virtual else "")))
        return checks, False
    try:
        socket.create_connection((addresses[0], port), timeout=5).close()
        checks.append(Check("tcp", "ok", f"connected to {host}:{port}"))
    except OSError as e:
        checks.append(Check("tcp", "fail", f"cannot connect to {host}:{port} ({e.strerror or e})",
                            f"nothing answers at {host}:{port}: is the endpoint {c['endpoint']} "
                            f"({c['endpoint_source']}) right, and the server up?"))
        return checks, False
    if proxy:
        checks.append(Check("tls", "skip", "through a proxy: not checked"))
        return checks, True
    context = None
    if scheme == "https":
        ca_file, ca_dir = c.get("ca_file") or None, c.get("ca_dir") or None
        where = " and ".join(x for x in (ca_file, ca_dir) if x) or "no CA certificates (none found)"
        try:
            context = ssl.create_default_context(cafile=ca_file, capath=ca_dir) if (ca_file or ca_dir) \
                else ssl.create_default_context()
            with socket.create_connection((addresses[0], port), timeout=5) as raw, \
                    context.wrap_socket(raw, server_hostname=host) as tls:
                subject = dict(x[0] for x in tls.getpeercert().get("subject", ()))
                checks.append(Check("tls", "ok", f"{tls.version()}, certificate of "
                                                 f"{subject.get('commonName', host)} verified with {where}"))
        except ssl.SSLCertVerificationError as e:
            checks.append(Check("tls", "fail", f"certificate not verified with {where}: {e.verify_message}",
                                "the server's certificate is not trusted by the CA certificates htslib uses "
                                f"({where}): set CURL_CA_BUNDLE or SSL_CERT_FILE to a bundle that trusts it"))
            return checks, False
        except (ssl.SSLError, OSError) as e:
            checks.append(Check("tls", "fail", f"TLS handshake failed ({e})",
                                f"{host}:{port} does not complete a TLS handshake: if the server speaks plain "
                                f"http, use an http:// endpoint URL (or an s3+http:// URL)"))
            return checks, False
    else:
        checks.append(Check("tls", "skip", "plain http"))
    checks.append(_check_clock(scheme, host, port, context))
    return checks, True


def _check_clock(scheme: str, host: str, port: int, context) -> Check:
    try:
        conn = (http.client.HTTPSConnection(host, port, timeout=5, context=context) if scheme == "https"
                else http.client.HTTPConnection(host, port, timeout=5))
        before = time.time()
        conn.request("HEAD", "/")
        response = conn.getresponse()
        date = response.getheader("Date")
        conn.close()
        now = (before + time.time()) / 2
    except (OSError, http.client.HTTPException) as e:
        return Check("clock", "skip", f"no answer to compare clocks with ({e})")
    if not date:
        return Check("clock", "skip", "the server sent no Date header")
    skew = now - email.utils.parsedate_to_datetime(date).timestamp()
    text = f"this machine's clock is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} the server's"
    if abs(skew) >= CLOCK_FAIL:
        return Check("clock", "fail", text, f"{text}: S3 refuses requests more than 15 minutes off; "
                                            "correct the clock (NTP)")
    if abs(skew) >= CLOCK_WARN:
        return Check("clock", "warn", text, f"{text}: correct the clock before it reaches 15 minutes")
    return Check("clock", "ok", text)


def index_candidates(url: str) -> list[str]:
    path = urlsplit(url).path
    for suffix in sorted(INDEX_SUFFIXES, key=len, reverse=True):
        if path.endswith(suffix):
            stem = url[: len(url) - len(suffix)]
            return [stem + s for s in INDEX_SUFFIXES[suffix]]
    return []


def _check_object(url: str) -> Check:
    err, detail = libhts.probe(url)
    if not err:
        return Check("object", "ok", "htslib opened it")
    name = errno_names.errorcode.get(err, str(err))
    return Check("object", "fail", f"[{name}] {os.strerror(err)}: {detail}", detail or os.strerror(err))


def _check_index(url: str) -> Check:
    candidates = index_candidates(url)
    if not candidates:
        return Check("index", "skip", "not a file type with an index")
    for candidate in candidates:
        if libhts.probe(candidate)[0] == 0:
            return Check("index", "ok", f"{candidate.rsplit('/', 1)[-1]} (htslib looks for "
                                        f"{', '.join(c.rsplit('/', 1)[-1] for c in candidates)})")
    names = ", ".join(c.rsplit("/", 1)[-1] for c in candidates)
    return Check("index", "warn", f"none of {names}",
                 f"no index next to the object ({names}): region queries need one; create it "
                 "(samtools index, tabix) or name it with index_filename=")


def diagnose(url: str) -> Report:
    """Diagnose *url* (s3://, s3+http://, s3+https://) as htslib sees it."""
    try:
        configuration = libhts.describe(url)
    except OSError as e:
        return Report(url, {}, [Check("config", "fail", str(e.strerror or e), str(e.strerror or e))])
    checks = [Check("config", "ok", "htslib accepts the configuration")]
    network, reachable = _check_network(configuration)
    checks += network
    if reachable:
        checks.append(_check_object(url))
        if checks[-1].status == "ok":
            checks.append(_check_index(url))
    return Report(url, configuration, checks)


def main(urls: list[str], as_json: bool) -> int:
    reports = [diagnose(url) for url in urls]
    if as_json:
        print(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        print("\n\n".join(r.text() for r in reports))
    return 0 if all(r.ok for r in reports) else 1
