"""Shared fixtures. The suite runs in a venv holding the pysam under test
(`make test`: our wheel; `make test-stock`: PyPI's), never the source tree.

Every test gets a fresh HOME and working directory, no inherited AWS_* or
HTS_S3_* variables, and proxy settings under which any request to a host
other than loopback fails at once.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from tests.isolation import PROXY_VARIABLES, loopback_only

ROOT = Path(__file__).resolve().parent.parent
# The recipe (stdlib only) is importable for the pipeline tests; src/ is NOT on
# the path, so `import pysam_s3` finds the installed wheel's copy.
sys.path.insert(0, str(ROOT))

OURS = importlib.util.find_spec("pysam_s3") is not None


def isolated_env(home: Path) -> dict[str, str]:
    """The environment a test (or a subprocess it starts) runs with."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "HTS_S3_", "CURL_", "SSL_CERT_"))
           and k.lower() not in (*PROXY_VARIABLES, "no_proxy")}
    return loopback_only(env, home)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    env = isolated_env(home)
    for key in list(os.environ):
        if key not in env:
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(work)
    return work


def pytest_collection_modifyitems(config, items):
    if OURS:
        return
    skip = pytest.mark.skip(reason="needs our wheel (pysam_s3 is not installed)")
    for item in items:
        if "ours" in item.keywords:
            item.add_marker(skip)


# --- known gaps -------------------------------------------------------------
# @pytest.mark.known_gap("what is wrong today") marks a test that pins down
# today's wrong or misleading behaviour (it asserts what happens now, so a
# change is noticed). They are listed at the end of every run.

def pytest_collection_finish(session):
    for item in session.items:
        m = item.get_closest_marker("known_gap")
        if m:
            item.user_properties.append(("known_gap", m.args[0] if m.args else ""))


def pytest_terminal_summary(terminalreporter):
    gaps = [(r.nodeid, r.outcome, dict(r.user_properties).get("known_gap", ""))
            for stats in terminalreporter.stats.values() for r in stats
            if hasattr(r, "user_properties") and getattr(r, "when", "") == "call"
            and "known_gap" in dict(r.user_properties)]
    if gaps:
        terminalreporter.section(f"known gaps ({len(gaps)}), see README 'Known issues'")
        for nodeid, outcome, reason in sorted(gaps):
            terminalreporter.write_line(f"{outcome.upper():7} {nodeid}: {reason}")
