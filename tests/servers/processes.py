"""Processes of the local test servers: started with a scrubbed environment in
a process group of their own, logging to a file, killed with the thread that
started them (PR_SET_PDEATHSIG) and as a group on stop(). `Server` is the life
cycle the S3 servers (tests/servers/s3.py) share. Standard library only."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.s3.credentials import Creds, redact

# Nothing the servers inherit may point them at a proxy or at real AWS.
_SCRUB_PREFIXES = ("AWS_", "HTS_", "BOTO_", "CURL_", "REF_", "MOTO_", "SSL_CERT_", "CEPH_")
_SCRUB = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy",
          "requests_ca_bundle", "pythonpath", "pythonhome")

# urllib without the environment's proxies: the servers are on loopback
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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
        with DIRECT.open(url, timeout=timeout):
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


def spawn(argv: list[str], cwd: Path, log_path: Path, group: int | None = None) -> subprocess.Popen:
    """Start *argv* with the scrubbed environment, its output appended to *log_path*,
    killed when this thread dies; in a session of its own, or in process group
    *group* of this session (0: a new group that it leads)."""
    def child_setup():
        if group is not None:
            os.setpgid(0, group)
        die_with_parent()

    with open(log_path, "ab") as log:
        return subprocess.Popen(argv, cwd=cwd, env=scrubbed_environ(), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=group is None, preexec_fn=child_setup)


def kill_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL, to the process group of *proc* (its own session)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
            return


_RUNNING: set[Server] = set()


@atexit.register
def _stop_servers_left_running() -> None:
    for server in list(_RUNNING):
        server.stop()


class Server:
    """Life cycle shared by the servers: start in a process group, wait until it
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
        """A boto3 client with `creds` (tests/servers/s3.py)."""
        from tests.servers.s3 import s3_client
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


def tail(path: Path, lines: int) -> str:
    """The last *lines* of a log file, redacted."""
    try:
        return redact("\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
    except OSError:
        return ""
