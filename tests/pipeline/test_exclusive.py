"""Two recipe runs never work on the shared build trees at the same time: the
second waits for the first (build/.recipe.lock) and says so."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from recipe import buildlock
from tests.conftest import ROOT

pytestmark = pytest.mark.unit  # make unit: no wheel, no build, no download

HOLDER = """
import sys, time
from recipe import buildlock
with buildlock.exclusive():
    print("holding", flush=True)
    time.sleep(float(sys.argv[1]))
"""


@pytest.mark.timeout(60)
def test_a_second_run_waits_and_says_why(capsys):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, "2"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        start = time.monotonic()
        with buildlock.exclusive():
            waited = time.monotonic() - start
        assert waited > 1.0
        assert f"waiting for another recipe run (pid {holder.pid}:" in capsys.readouterr().out
    finally:
        holder.wait(timeout=30)


PROBE = """
import fcntl, sys
with open(sys.argv[1], "a+") as f:
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(1)
"""


def lock_is_free() -> bool:
    """Whether another process could take build/.recipe.lock now."""
    probe = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "build" / ".recipe.lock")], timeout=30)
    return probe.returncode == 0


@pytest.mark.timeout(60)
def test_reentrant_within_a_process():
    with buildlock.exclusive():
        with buildlock.exclusive():
            assert not lock_is_free()
        assert not lock_is_free(), "leaving the inner hold released the lock"
        with buildlock.exclusive():
            assert not lock_is_free()
    assert lock_is_free()
