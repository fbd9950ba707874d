"""Threads over TLS (htslib 0020 and 0025): connection caches are held by one
thread at a time, the read hint and the process-wide state are under locks, and
fork() finds no lock held. Many threads open, read and close S3 objects over
https at once while BGZF reader threads (threads=4) read others; a process
forks while its threads are inside the S3 backend. `make sanitize` runs
these under AddressSanitizer too (docs/testing.md)."""

from __future__ import annotations

import pysam
import pytest

from tests.s3 import runner

from .conftest import BUCKET, s3_env

pytestmark = pytest.mark.timeout(240)

URL = f"s3://{BUCKET}/reads.bam"

# 16 threads, each opening the object 6 times and reading a region; 2 more
# reading it whole with a BGZF reader pool of 4, and seeking between regions
STRESS = f"""
import concurrent.futures, threading
import pysam

REGIONS = [("chr1", s, s + 6_000) for s in range(0, 54_000, 6_000)]
start = threading.Barrier(18)

def opener(i):
    start.wait(timeout=60)
    out = []
    for n in range(6):
        contig, a, b = REGIONS[(i + n) % len(REGIONS)]
        with pysam.AlignmentFile({URL!r}) as f:
            out.append(sum(1 for _ in f.fetch(contig, a, b)))
    return out

def reader(_):
    start.wait(timeout=60)
    with pysam.AlignmentFile({URL!r}, threads=4) as f:
        whole = [r.to_string() for r in f.fetch(until_eof=True)]
        regions = [sum(1 for _ in f.fetch(c, a, b)) for c, a, b in REGIONS]
    return whole, regions

with concurrent.futures.ThreadPoolExecutor(18) as pool:
    openers = [pool.submit(opener, i) for i in range(16)]
    readers = [pool.submit(reader, i) for i in range(2)]
    opened, read = [f.result() for f in openers], [f.result() for f in readers]
result = {{"opened": opened, "read": read, "regions": REGIONS}}
"""


def test_16_threads_open_over_tls_at_once(https_endpoint, tls_files, pki):
    moto, proxy, expected = https_endpoint
    out = runner.run(STRESS, {**s3_env(moto, proxy), "SSL_CERT_FILE": str(pki.ca_pem)}, timeout=200)
    assert out.ok, out
    regions = [tuple(r) for r in out.result["regions"]]
    with pysam.AlignmentFile(str(tls_files[0] / "reads.bam")) as local:
        want = [local.count(*r) for r in regions]
    assert all(want), want
    for i, counts in enumerate(out.result["opened"]):
        assert counts == [want[(i + n) % len(regions)] for n in range(6)], f"thread {i}"
    for whole, counts in out.result["read"]:
        assert whole == expected and counts == want


# Threads stay inside the S3 backend (reading, reopening) while the main
# thread forks; each child reads over https itself and must not hang on a
# lock a parent thread held at the fork, nor talk on the parent's connections.
FORK = f"""
import os, threading, time
import pysam

stop = threading.Event()
def busy():
    while not stop.is_set():
        with pysam.AlignmentFile({URL!r}) as f:
            sum(1 for _ in f.fetch("chr1", 0, 30_000))

threads = [threading.Thread(target=busy) for _ in range(4)]
for t in threads:
    t.start()
time.sleep(0.5)
children = []
for n in range(6):
    pid = os.fork()
    if pid == 0:
        try:
            with pysam.AlignmentFile({URL!r}) as f:
                os._exit(0 if sum(1 for _ in f.fetch(until_eof=True)) == {{count}} else 3)
        except BaseException:
            os._exit(4)
    children.append(pid)
    time.sleep(0.1)
statuses = []
deadline = time.monotonic() + 60
for pid in children:
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            statuses.append(os.waitstatus_to_exitcode(status))
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            statuses.append("hung")
            break
        time.sleep(0.05)
stop.set()
for t in threads:
    t.join()
result = statuses
"""


def test_fork_while_threads_are_in_the_s3_backend(https_endpoint, pki):
    moto, proxy, expected = https_endpoint
    code = FORK.replace("{count}", str(len(expected)))
    out = runner.run(code, {**s3_env(moto, proxy), "SSL_CERT_FILE": str(pki.ca_pem)}, timeout=150)
    assert out.ok, out
    assert out.result == [0] * 6
