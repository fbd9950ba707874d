"""Processes of the tests and the benchmark: servers started with a scrubbed
environment in a process group of their own, logging to a file; commands run
to a deadline (run_with_deadline). All are killed with the thread that started
them (PR_SET_PDEATHSIG), and as a group when stopped or out of time. Standard
library only."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from testkit.credentials import redact

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


def run_with_deadline(argv: list, *, cwd: Path, env: dict[str, str], timeout: float,
                      stdout=subprocess.PIPE) -> tuple[subprocess.Popen, bytes | None, bytes | None, bool]:
    """Run *argv* in a session of its own (killed with this thread, and as a group
    when *timeout* seconds are up); returns (process, stdout, stderr, timed out)."""
    proc = subprocess.Popen([str(a) for a in argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=stdout, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=die_with_parent)
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc, out, err, False
    except subprocess.TimeoutExpired:
        kill_group(proc, grace=1.0)
        out, err = proc.communicate()
        return proc, out, err, True


def tail(path: Path, lines: int) -> str:
    """The last *lines* of a log file, redacted."""
    try:
        return redact("\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
    except OSError:
        return ""
