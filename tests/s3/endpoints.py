"""An Endpoint is an S3 service under test and how pysam reaches it: the
service's URL, a bucket, a key prefix and valid credentials. pysam is
configured the way every AWS tool is (AWS_ENDPOINT_URL, the AWS_* keys,
s3://BUCKET/KEY); htslib_env() gives htslib's own dialect instead
(HTS_S3_HOST, HTS_S3_ADDRESS_STYLE, s3+http://). The local servers are
endpoints, and so is a team's own one (--s3-endpoint, see external()).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import botocore.exceptions

from testkit.credentials import Creds
from testkit.isolation import LOOPBACK
from testkit.s3servers import s3_client


class Endpoint:
    def __init__(self, name: str, host: str, bucket: str, creds: Creds, client: Callable, *,
                 scheme: str = "http", style: str = "path", prefix: str = "",
                 region: str | None = None, extra_env: dict[str, str] | None = None,
                 aws: bool = False):
        self.name, self.host, self.bucket, self.creds = name, host, bucket, creds
        self.scheme, self.style, self.prefix, self.region = scheme, style, prefix, region
        self.aws = aws  # AWS itself: reached without an endpoint URL
        self._client_factory, self._client = client, None
        self.extra_env = dict(extra_env or {})
        self.server = None  # the local server object (MotoServer, S3rverServer, RgwServer), if any
        # ETags "<md5>-<parts>" for multipart objects and ListMultipartUploads (s3rver has neither)
        self.shows_multipart = True
        self._uploaded: set[str] = set()

    def __repr__(self) -> str:
        return f"<Endpoint {self.name} s3://{self.bucket}/{self.prefix} via {self.endpoint_url}>"

    def local_server(self):
        """The local server behind this endpoint; skips the test on your own
        endpoint (it needs the server's users or a proxy in front of it)."""
        if self.server is None:
            import pytest
            pytest.skip("needs a local server (its users, or a proxy in front of it); runs in `make test`")
        return self.server

    def through(self, rule=None, *, shaping=None, idle_timeout: float | None = None, **extra: str | None):
        """A recording (and, with *rule*, faulty) S3Proxy in front of the local
        server, with its *shaping* and *idle_timeout* (S3Proxy's), and the
        environment that sends pysam through it."""
        from testkit.proxies.s3 import S3Proxy
        proxy = S3Proxy(self.local_server().port, rule, shaping, idle_timeout)
        return proxy, self.env(AWS_ENDPOINT_URL=f"http://{proxy.hostport}", **extra)

    @property
    def endpoint_url(self) -> str:
        """The service's URL, as AWS_ENDPOINT_URL or a profile's endpoint_url gives it."""
        return f"{self.scheme}://{self.host}"

    @property
    def client(self):
        """boto3 S3 client with the valid credentials, to seed and inspect."""
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def key(self, name: str) -> str:
        return self.prefix + name

    def url(self, name: str, *, bucket: str | None = None, scheme: str = "s3",
            userinfo: str | None = None) -> str:
        at = f"{userinfo}@" if userinfo else ""
        return f"{scheme}://{at}{bucket or self.bucket}/{self.key(name)}"

    def htslib_url(self, name: str, **kw) -> str:
        """The URL of htslib's own dialect: s3+http:// for an http endpoint."""
        return self.url(name, scheme="s3" if self.scheme == "https" else "s3+http", **kw)

    def scratch(self, name: str) -> str:
        """A fresh key name for something a test writes."""
        return f"out/{secrets.token_hex(6)}/{name}"

    @staticmethod
    def missing_bucket() -> str:
        """A bucket name nobody has (bucket names are global on AWS)."""
        return f"pysam-s3-no-such-bucket-{secrets.token_hex(8)}"

    def _with(self, env: dict[str, str | None], creds: Creds | None, extra: dict) -> dict[str, str | None]:
        if self.region:
            env["AWS_DEFAULT_REGION"] = self.region
        env.update(self.extra_env)
        creds = self.creds if creds is ... else creds
        if creds:
            env.update(creds.env())
        env.update(extra)
        return env

    def env(self, creds: Creds | None = ..., **extra: str | None) -> dict[str, str | None]:
        """The standard AWS configuration for a pysam run: the endpoint URL, the
        region, env keys (default: the valid ones; None: no keys), then *extra*
        (None removes a variable)."""
        base: dict[str, str | None] = {} if self.aws else {"AWS_ENDPOINT_URL": self.endpoint_url}
        if self.style != ("virtual" if self.aws else "path"):  # what s3:// picks by itself
            base["HTS_S3_ADDRESS_STYLE"] = self.style  # no AWS variable says it; a profile could
        return self._with(base, creds, extra)

    def htslib_env(self, creds: Creds | None = ..., **extra: str | None) -> dict[str, str | None]:
        """htslib's own dialect: HTS_S3_HOST and HTS_S3_ADDRESS_STYLE (use htslib_url())."""
        return self._with({"HTS_S3_HOST": self.host, "HTS_S3_ADDRESS_STYLE": self.style}, creds, extra)

    def upload(self, files: dict[str, Path]) -> None:
        """Put each local file at its key, once per session."""
        for name, path in files.items():
            if name not in self._uploaded:
                self.client.upload_file(str(path), self.bucket, self.key(name))
                self._uploaded.add(name)

    def get(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self.key(name))["Body"].read()

    def exists(self, name: str) -> bool:
        # HEAD, not a listing: with the Python 3.9 pins (moto 5.1.22, botocore 1.42) moto
        # answered this ListObjectsV2 with SignatureDoesNotMatch.
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except botocore.exceptions.ClientError as e:
            if e.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def etag(self, name: str) -> str:
        return self.client.head_object(Bucket=self.bucket, Key=self.key(name))["ETag"].strip('"')

    def open_uploads(self) -> list[str]:
        """Keys with a multipart upload still in progress, under our prefix."""
        found = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix)
        return [u["Key"] for u in found.get("Uploads", [])]

    def remove_everything(self) -> None:
        """Delete every object, then abort every upload, under our prefix."""
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})
        found = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix)
        for upload in found.get("Uploads", []):
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])


# --- your own endpoint -----------------------------------------------------------

# Passed on to pysam in external mode: where libcurl finds CA certificates.
CA_VARIABLES = ("CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


def external(url: str, bucket: str, prefix: str, region: str, addressing: str | None,
             creds: Creds, ca_env: dict[str, str]) -> Endpoint:
    """The endpoint given by --s3-endpoint & co. Everything the run writes goes under
    PREFIX/pysam-s3-<random>/, and remove_everything() takes it away again."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--s3-endpoint must be an http:// or https:// URL, not {url!r}")
    aws = parts.hostname.endswith(".amazonaws.com")
    style = addressing or ("virtual" if aws else "path")
    run_prefix = "/".join(p for p in (prefix.strip("/"), f"pysam-s3-{secrets.token_hex(4)}") if p) + "/"
    no_proxy = f"{LOOPBACK},{parts.hostname}"  # the dead test proxy must not swallow it
    return Endpoint(
        "external", parts.netloc, bucket, creds,
        # seeding and cleanup by boto3 use the style every S3 service takes, whatever pysam uses
        lambda: s3_client(url, creds, region=region, style="virtual" if aws else "path"),
        scheme=parts.scheme, style=style, prefix=run_prefix, region=region, aws=aws,
        extra_env={"NO_PROXY": no_proxy, "no_proxy": no_proxy, **ca_env})
