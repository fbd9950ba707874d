"""The reference every S3 configuration test compares with: boto3 reading the
same object under exactly the same environment and files (the test's HOME),
in a subprocess like pysam's; and writers for the AWS configuration files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from testkit.credentials import Creds
from tests.s3.checks import BAM, assert_read_bam, read_bam
from tests.s3.runner import Outcome, run

BOTO3_GET = """
import hashlib, socket
import boto3
from botocore.config import Config

# libcurl resolves *.localhost to loopback by itself; the system's resolver may not
_getaddrinfo = socket.getaddrinfo
def getaddrinfo(host, *args, **kw):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kw)
socket.getaddrinfo = getaddrinfo

session = boto3.Session()
client = session.client("s3", config=Config(retries={{"max_attempts": 1}}))
sent = []
client.meta.events.register("before-send.s3", lambda request, **kw: sent.append(request.url))
body = client.get_object(Bucket={bucket!r}, Key={key!r})["Body"].read()
result = {{"sha256": hashlib.sha256(body).hexdigest(), "url": sent[-1], "region": client.meta.region_name,
          "method": session.get_credentials().method}}
"""


BOTO3_PUT = """
import boto3
from botocore.config import Config
client = boto3.Session().client("s3", config=Config(retries={{"max_attempts": 1}}))
client.put_object(Bucket={bucket!r}, Key={key!r}, Body=open({path!r}, "rb").read())
result = client.head_object(Bucket={bucket!r}, Key={key!r})["ContentLength"]
"""


def boto3_get(ep, name: str, env: dict) -> Outcome:
    """boto3 reads ep's object *name* with nothing but *env* and the test's HOME."""
    return run(BOTO3_GET.format(bucket=ep.bucket, key=ep.key(name)), env)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_like_boto3(ep, env: dict, dataset, url: str | None = None) -> dict:
    """boto3 reads reads.bam under *env*; then pysam reads the same records from it
    the same way. Returns what boto3 reported (its URL and region)."""
    got = boto3_get(ep, BAM, env)
    assert got.ok, f"boto3 cannot read it under this configuration either: {got}"
    assert got.result["sha256"] == sha256(dataset / "reads.bam")
    assert_read_bam(read_bam(url or ep.url(BAM), env), dataset)
    return got.result


def keys_only(ep, creds: Creds | None = None) -> dict:
    """The access keys in the environment, and no other setting."""
    return (creds or ep.creds).env()


# --- the configuration files -----------------------------------------------------

def aws_file(sections: dict[str, dict]) -> str:
    """An AWS config or credentials file; a dict value is a nested block ("s3 =")."""
    out = []
    for name, items in sections.items():
        out.append(f"[{name}]")
        for key, value in items.items():
            if isinstance(value, dict):
                out.append(f"{key} =")
                out += [f"  {k} = {v}" for k, v in value.items()]
            else:
                out.append(f"{key} = {value}")
        out.append("")
    return "\n".join(out)


def write(path: Path, sections: dict[str, dict]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(aws_file(sections))
    return str(path)


def config(home: Path, sections: dict[str, dict]) -> str:
    return write(home / ".aws" / "config", sections)


def credentials(home: Path, sections: dict[str, dict]) -> str:
    return write(home / ".aws" / "credentials", sections)
