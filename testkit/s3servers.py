"""Local S3 servers on 127.0.0.1, started and stopped by the tests.

* MotoServer:   `python -m moto.server` with SigV4 and IAM checking switched on
                after seeding: a bucket, a user with S3 rights, a user without,
                and a role to assume for STS temporary credentials.
* MotoDefaultServer: moto in its default mode (authentication off), as most
                users' own CI runs it.
* S3rverServer: the node package s3rver (testkit/s3rver), a second, independent
                HTTP implementation. It checks no signatures; the key id must be
                S3RVER. Used for protocol and transfer behaviour, not auth.
* RgwServer:    Ceph's RADOS Gateway on a one-node cluster (monitor, memstore
                OSD, radosgw): the S3 of many private clouds, with SigV4/SigV2,
                multipart and virtual hosts; an owner of the bucket and a user
                without access to it.

Adopted from the S3 lab (its FINDINGS.md explains the choices). Each server
runs as testkit/processes.py starts processes; boto3 seeds and inspects.
The tests (tests/s3, tests/network_stack) and the benchmark (bench/s3.py)
both use them.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from testkit.credentials import Creds, ini, redact
from testkit.processes import (DIRECT, ServerStartError, answers_http, die_with_parent, free_port, kill_group,
                               scrubbed_environ, spawn, tail)

S3RVER_DIR = Path(__file__).resolve().parent / "s3rver"  # `npm ci` there: recipe/testenv.py asks for it here
REGION = "us-east-1"
NO_PROXIES = {"http": "", "https": ""}  # botocore: connect directly, whatever the environment says
MOTO_ACCOUNT = "123456789012"
S3RVER_CREDS = Creds("S3RVER", "S3RVER", public=True)  # s3rver's only key pair

def s3_client(endpoint_url: str, creds: Creds, region: str = REGION, style: str = "path"):
    """boto3 S3 client that connects directly, like pysam does under the tests' proxy guard."""
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region,
                        aws_access_key_id=creds.key_id, aws_secret_access_key=creds.secret,
                        aws_session_token=creds.token,
                        config=Config(proxies=NO_PROXIES, s3={"addressing_style": style},
                                      retries={"max_attempts": 2}))


_RUNNING: set[Server] = set()


@atexit.register
def _stop_servers_left_running() -> None:
    for server in list(_RUNNING):
        server.stop()


class Server:
    """Life cycle shared by the S3 servers: start in a process group, wait until it
    answers HTTP, seed, and kill the group on stop(). After start(), `creds` are
    valid keys for `bucket`; servers with users (moto, rgw) seed `full`, the
    owner of those keys, and `denied`, valid keys without access to the bucket."""

    name = "server"
    startup_timeout = 60.0

    def __init__(self, workdir: Path, bucket: str):
        self.workdir = workdir
        self.bucket = bucket
        self.port = free_port()
        self.hostport = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.hostport}"
        self.log_path = workdir / f"{self.name}.log"
        self.proc: subprocess.Popen | None = None
        self.full: Creds | None = None
        self.denied: Creds | None = None

    @property
    def creds(self) -> Creds | None:
        return self.full

    def client(self):
        """A boto3 client with `creds`."""
        return s3_client(self.url, self.creds)

    def command(self) -> list[str]:
        raise NotImplementedError

    def launch(self) -> None:
        """Start the server's process(es); return once it answers HTTP."""
        self.proc = spawn(self.command(), self.workdir, self.log_path)
        self.wait_until_answering([self.proc])

    def wait_until_answering(self, procs: list[subprocess.Popen]) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while not answers_http(self.url + "/"):
            if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                raise ServerStartError(f"{self.name} did not start; log:\n{self.log_tail()}")
            time.sleep(0.05)

    def seed(self) -> None:
        """Called once the server answers HTTP."""

    def start(self):
        _RUNNING.add(self)
        try:
            self.launch()
            self.seed()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        _RUNNING.discard(self)
        self.terminate()

    def terminate(self) -> None:
        """End the server's process(es)."""
        if self.proc:
            kill_group(self.proc)
            self.proc = None

    def log_tail(self, lines: int = 30) -> str:
        return tail(self.log_path, lines)


class MotoServer(Server):
    """moto with authentication on. After start(): `full` (s3:* and
    sts:AssumeRole), `denied` (no policy at all), `admin` (everything: for
    tests that manage IAM users and keys) and `assume_role()`."""

    name = "moto"

    def __init__(self, workdir: Path, bucket: str):
        super().__init__(workdir, bucket)
        self.role_arn = ""
        self.admin: Creds | None = None

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
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        self.admin = Creds(key["AccessKeyId"], key["SecretAccessKey"])
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
        with DIRECT.open(request, timeout=10) as response:
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


class MotoDefaultServer(MotoServer):
    """moto as most users' own CI runs it: its default mode, authentication off
    (any keys are accepted). Its S3 dialect differs from the checked mode:
    CompleteMultipartUpload answers <CompleteMultipartUploadResponse>."""

    name = "moto-default"

    def seed(self):
        self.full = Creds("moto-default", "moto-default-secret", public=True)
        self.client().create_bucket(Bucket=self.bucket)


class S3rverServer(Server):
    """s3rver 3.7.1, installed by `npm ci` in testkit/s3rver.
    --service-endpoint localhost makes BUCKET.s3.localhost:PORT virtual-host
    requests work; any other host name is taken whole as the bucket name."""

    name = "s3rver"
    creds = S3RVER_CREDS

    def command(self):
        node = shutil.which("node")
        script = S3RVER_DIR / "node_modules" / "s3rver" / "bin" / "s3rver.js"
        if not node or not script.exists():
            raise ServerStartError(
                f"s3rver is not installed ({'no node on PATH' if not node else f'{script} is missing'}): "
                "run `make test`, which runs `npm ci` in testkit/s3rver (needs node and npm)")
        return [node, str(script), "-d", str(self.workdir / "data"), "-a", "127.0.0.1",
                "-p", str(self.port), "--service-endpoint", "localhost", "--configure-bucket", self.bucket]


class RgwServer(Server):
    """Ceph's RADOS Gateway (Debian 12: Ceph 16.2 Pacific, requirements/apt-ceph.txt)
    on a one-node cluster, all of it in the workdir and on 127.0.0.1: a monitor
    (msgr2), one OSD with the memstore object store (data in RAM) and radosgw
    (beast). Every daemon runs in the foreground, all in one process group led by
    the monitor, which stop() kills outright: nothing in the cluster is kept.
    `rgw dns name = localhost` makes BUCKET.localhost:PORT virtual-host requests
    work. The paxos settings and a 0.5 s objecter tick (radosgw's first request,
    sent before the OSD is up, otherwise waits for the 5 s tick) cut the start,
    in which radosgw creates its pools, from about 13 s to 3.4 s. No STS: with
    `rgw s3 auth use sts` Ceph 16 answers every refused key with AccessDenied."""

    name = "rgw"
    programs = ("monmaptool", "ceph-authtool", "ceph-mon", "ceph", "ceph-osd", "radosgw", "radosgw-admin")
    tool_timeout = 60.0

    def __init__(self, workdir: Path, bucket: str):
        super().__init__(workdir, bucket)
        self.conf = workdir / "ceph.conf"
        self.keyring = workdir / "keyring"
        self.fsid = str(uuid.uuid4())
        self.mon_addr = f"v2:127.0.0.1:{free_port()}"
        self.daemons: list[subprocess.Popen] = []

    def config(self) -> dict[str, dict[str, str]]:
        w = self.workdir
        return {"global": {
            "fsid": self.fsid, "mon host": self.mon_addr,
            "public addr": "127.0.0.1", "cluster addr": "127.0.0.1",
            "ms bind msgr1": "false", "ms bind msgr2": "true",
            "keyring": str(self.keyring),
            # every path a daemon writes, in the workdir; no admin sockets
            "run dir": str(w), "admin socket": "", "pid file": "", "crash dir": str(w / "crash"),
            "log file": str(w / "log" / "$name.log"), "mon cluster log file": str(w / "log" / "cluster.log"),
            "mon data": str(w / "$name"), "osd data": str(w / "$name"), "rgw data": str(w / "$name"),
            # a monitor on a fairly full disk still starts (it refuses below 5% free by default)
            "mon data avail crit": "0", "mon data avail warn": "0",
            "osd objectstore": "memstore", "memstore device bytes": str(4 << 30),
            "osd pool default size": "1", "osd pool default min size": "1", "mon allow pool size one": "true",
            "osd pool default pg num": "8", "osd pool default pgp num": "8",
            "osd pool default pg autoscale mode": "off", "osd crush chooseleaf type": "0",
            "paxos propose interval": "0.1", "paxos min wait": "0.01",
        }, "client.rgw": {
            "rgw frontends": f"beast endpoint={self.hostport}",
            "rgw dns name": "localhost",
            "objecter tick interval": "0.5",
        }}

    def launch(self):
        missing = [p for p in self.programs if not shutil.which(p)]
        if missing:
            raise ServerStartError(
                f"Ceph's RADOS Gateway is not installed (missing: {' '.join(missing)}): run `make test-packages` "
                "as root (or with sudo), which installs requirements/apt-ceph.txt")
        (self.workdir / "log").mkdir(exist_ok=True)
        self.conf.write_text(ini(self.config()))
        monmap = str(self.workdir / "monmap")
        self.tool("monmaptool", "--create", "--fsid", self.fsid, "--addv", "a", f"[{self.mon_addr}]", monmap)
        # cephx keys of every daemon and client in one keyring; the monitor's mkfs imports them
        for entity, caps in (("mon.", {"mon": "allow *"}),
                             ("client.admin", {"mon": "allow *", "osd": "allow *", "mgr": "allow *"}),
                             ("client.rgw", {"mon": "allow rw", "osd": "allow rwx"}),
                             ("osd.0", {"mon": "allow profile osd", "osd": "allow *", "mgr": "allow profile osd"})):
            create = ["--create-keyring"] if entity == "mon." else []
            self.tool("ceph-authtool", *create, str(self.keyring), "--gen-key", "-n", entity,
                      *(arg for kind, cap in caps.items() for arg in ("--cap", kind, cap)))
        self.tool("ceph-mon", "-i", "a", "--mkfs", "--monmap", monmap)
        self.daemon("ceph-mon", "-i", "a")
        osd_uuid = str(uuid.uuid4())
        osd_id = self.tool("ceph", "osd", "new", osd_uuid).strip()
        (self.workdir / f"osd.{osd_id}").mkdir()
        self.tool("ceph-osd", "-i", osd_id, "--mkfs", "--osd-uuid", osd_uuid)
        self.daemon("ceph-osd", "-i", osd_id)
        self.daemon("radosgw", "-n", "client.rgw")
        self.wait_until_answering(self.daemons)

    def tool(self, program: str, *args: str) -> str:
        """Run a Ceph command line tool on our cluster; its stdout (which may hold
        secrets: never logged), or ServerStartError with the logs."""
        argv = [program, "-c", str(self.conf), *args]
        with open(self.log_path, "ab") as log:
            try:
                return subprocess.run(argv, cwd=self.workdir, env=scrubbed_environ(), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=log, check=True, text=True,
                                      timeout=self.tool_timeout, start_new_session=True,
                                      preexec_fn=die_with_parent).stdout
            except subprocess.SubprocessError as e:
                raise ServerStartError(f"{self.name} did not start: {redact(str(e))}\n{self.log_tail()}") from None

    def daemon(self, program: str, *args: str) -> None:
        """Start a daemon in the foreground (-f), in the process group of the first one."""
        group = self.daemons[0].pid if self.daemons else 0
        try:
            self.daemons.append(spawn([program, "-c", str(self.conf), "-f", *args], self.workdir, self.log_path, group))
        except (OSError, subprocess.SubprocessError) as e:
            raise ServerStartError(f"{self.name} did not start: {program}: {e}\n{self.log_tail()}") from None

    def seed(self):
        self.full = self.user("pysam-full")
        self.denied = self.user("pysam-denied")
        self.client().create_bucket(Bucket=self.bucket)

    def user(self, uid: str) -> Creds:
        """A user with fresh random keys (registered for redaction before any use)."""
        creds = Creds("RGW" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30))
        self.tool("radosgw-admin", "user", "create", f"--uid={uid}", f"--display-name={uid}",
                  f"--access-key={creds.key_id}", f"--secret-key={creds.secret}")
        return creds

    def terminate(self):
        """SIGKILL to the whole group (memstore would write its RAM to disk on SIGTERM);
        the logs stay, the monitor's store (40 MB of RocksDB) goes."""
        if self.daemons:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.daemons[0].pid, signal.SIGKILL)
            for proc in self.daemons:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)
            self.daemons = []
        shutil.rmtree(self.workdir / "mon.a", ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        """Our log (tools' stderr, daemons' output), then the end of each daemon's own log."""
        parts = [tail(self.log_path, lines)]
        for log in sorted((self.workdir / "log").glob("*.log")):
            if log.stat().st_size:
                parts.append(f"--- {log.name} ---\n{tail(log, lines // 3)}")
        return "\n".join(parts)
