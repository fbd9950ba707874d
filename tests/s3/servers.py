"""Local S3 servers on 127.0.0.1, started and stopped by the tests.

* MotoServer:   `python -m moto.server` with SigV4 and IAM checking switched on
                after seeding: a bucket, a user with S3 rights, a user without,
                and a role to assume for STS temporary credentials.
* S3rverServer: the node package s3rver (tests/s3/s3rver), a second, independent
                HTTP implementation. It checks no signatures; the key id must be
                S3RVER. Used for protocol and transfer behaviour, not auth.

Adopted from the S3 lab (its FINDINGS.md explains the choices). Each server
runs in its own process group with a scrubbed environment, logs to a file,
dies with the test process (PR_SET_PDEATHSIG) and is killed as a group.
Standard library only, except boto3 to seed and inspect.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.s3.credentials import Creds, redact

S3RVER_DIR = Path(__file__).resolve().parent / "s3rver"
REGION = "us-east-1"
MOTO_ACCOUNT = "123456789012"
S3RVER_CREDS = Creds("S3RVER", "S3RVER", public=True)  # s3rver's only key pair

# Nothing the servers inherit may point them at a proxy or at real AWS.
_SCRUB_PREFIXES = ("AWS_", "HTS_", "BOTO_", "CURL_", "REF_", "MOTO_", "SSL_CERT_")
_SCRUB = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy",
          "requests_ca_bundle", "pythonpath", "pythonhome")

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
NO_PROXIES = {"http": "", "https": ""}  # botocore: connect directly, whatever the environment says


class ServerStartError(RuntimeError):
    pass


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago (small race, accepted)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrubbed_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(_SCRUB_PREFIXES) and k.lower() not in _SCRUB}


def answers_http(url: str, timeout: float = 1.0) -> bool:
    try:
        with _DIRECT.open(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # any status is an answer
    except OSError:
        return False


def die_with_parent() -> None:
    """Runs in the child between fork and exec: SIGKILL it when the thread that
    started it dies, so a killed pytest leaves no server (or hung pysam) behind."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def kill_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL, to the process group of *proc* (its own session)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
            return


_RUNNING: set[_Server] = set()


@atexit.register
def _stop_servers_left_running() -> None:
    for server in list(_RUNNING):
        server.stop()


def s3_client(endpoint_url: str, creds: Creds, region: str = REGION, style: str = "path"):
    """boto3 S3 client that connects directly, like pysam does under the tests' proxy guard."""
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region,
                        aws_access_key_id=creds.key_id, aws_secret_access_key=creds.secret,
                        aws_session_token=creds.token,
                        config=Config(proxies=NO_PROXIES, s3={"addressing_style": style},
                                      retries={"max_attempts": 2}))


class _Server:
    """Life cycle shared by the servers: start in a process group, wait until it
    answers HTTP, seed, and kill the group on stop()."""

    name = "server"
    startup_timeout = 60.0

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.hostport = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.hostport}"
        self.log_path = workdir / f"{self.name}.log"
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def seed(self) -> None:
        """Called once the server answers HTTP."""

    def start(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.command(), cwd=self.workdir, env=scrubbed_environ(),
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True, preexec_fn=die_with_parent)
        _RUNNING.add(self)
        deadline = time.monotonic() + self.startup_timeout
        while not answers_http(self.url + "/"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(f"{self.name} did not start; log:\n{self.log_tail()}")
            time.sleep(0.05)
        try:
            self.seed()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        _RUNNING.discard(self)
        if self.proc:
            kill_group(self.proc)
            self.proc = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return redact("\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:]))
        except OSError:
            return ""


class MotoServer(_Server):
    """moto with authentication on. After start(): `full` (s3:* and
    sts:AssumeRole), `denied` (no policy at all) and `assume_role()`."""

    name = "moto"

    def __init__(self, workdir: Path, bucket: str):
        super().__init__(workdir)
        self.bucket = bucket
        self.full: Creds | None = None
        self.denied: Creds | None = None
        self.role_arn = ""

    def command(self):
        for module in ("moto", "boto3"):
            if importlib.util.find_spec(module) is None:
                raise ServerStartError(f"{module} is not installed in {sys.prefix}: "
                                       "install requirements/test.txt (`make test` does)")
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]

    def client(self, service: str = "s3", creds: Creds | None = None):
        creds = creds or self.full or Creds("seed", "seed-secret")
        if service == "s3":
            return s3_client(self.url, creds)
        import boto3
        from botocore.config import Config
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id=creds.key_id, aws_secret_access_key=creds.secret,
                            config=Config(proxies=NO_PROXIES))

    def seed(self):
        """Seeded with authentication off (moto's default), then switched on."""
        iam = self.client("iam")
        self.client().create_bucket(Bucket=self.bucket)
        policy = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "sts:AssumeRole"], "Resource": "*"}]})

        def user(name: str, with_policy: bool) -> Creds:
            iam.create_user(UserName=name)
            if with_policy:
                iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=policy)
            key = iam.create_access_key(UserName=name)["AccessKey"]
            return Creds(key["AccessKeyId"], key["SecretAccessKey"])

        self.full = user("s3-full", True)
        self.denied = user("s3-denied", False)
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": f"arn:aws:iam::{MOTO_ACCOUNT}:user/s3-full"}}]})
        self.role_arn = iam.create_role(RoleName="s3-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        iam.put_role_policy(RoleName="s3-role", PolicyName="s3", PolicyDocument=policy)
        self._reset_auth(b"0")

    def _reset_auth(self, count: bytes) -> None:
        """moto checks auth after *count* more requests ("inf": never). The body
        must be text/plain, or werkzeug parses it as a form and moto fails."""
        request = urllib.request.Request(self.url + "/moto-api/reset-auth", data=count, method="POST",
                                         headers={"Content-Type": "text/plain"})
        with _DIRECT.open(request, timeout=10) as response:
            response.read()

    def assume_role(self) -> Creds:
        """STS temporary credentials (key, secret, session token) for s3-role."""
        sts = self.client("sts", self.full)
        c = sts.assume_role(RoleArn=self.role_arn, RoleSessionName="pysam-s3-tests",
                            DurationSeconds=900)["Credentials"]
        return Creds(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])

    def proxy_env(self) -> dict[str, str]:
        """moto as the *HTTP proxy*: the only way to serve, locally, what htslib sends
        to the real AWS host names (ID:SECRET@ and PROFILE@ URLs ignore HTS_S3_HOST).
        Plain http only: moto refuses CONNECT, so s3:// (https) cannot go this way."""
        return {"http_proxy": self.url}


class S3rverServer(_Server):
    """s3rver 3.7.1, installed by `npm ci` in tests/s3/s3rver.
    --service-endpoint localhost makes BUCKET.s3.localhost:PORT virtual-host
    requests work; any other host name is taken whole as the bucket name."""

    name = "s3rver"
    creds = S3RVER_CREDS

    def __init__(self, workdir: Path, bucket: str):
        super().__init__(workdir)
        self.bucket = bucket

    def command(self):
        node = shutil.which("node")
        script = S3RVER_DIR / "node_modules" / "s3rver" / "bin" / "s3rver.js"
        if not node or not script.exists():
            raise ServerStartError(
                f"s3rver is not installed ({'no node on PATH' if not node else f'{script} is missing'}): "
                "run `make test`, which runs `npm ci` in tests/s3/s3rver (needs node and npm)")
        return [node, str(script), "-d", str(self.workdir / "data"), "-a", "127.0.0.1",
                "-p", str(self.port), "--service-endpoint", "localhost", "--configure-bucket", self.bucket]

    def client(self):
        return s3_client(self.url, self.creds)
