"""Shared fixtures. The suite runs in a venv holding the pysam under test
(`make test`: our wheel; `make compare`: also PyPI's), never the source tree,
and is told which one it tests: `--pysam=ours` (our wheel: its pysam_s3 must
be importable, else the run fails at once) or `--pysam=stock` (tests marked
`ours` are skipped). Tests marked `unit` test the recipe alone and need no
pysam at all: `make unit` runs just them, on a fresh clone, without --pysam.

Every test gets a fresh HOME and working directory, no inherited AWS_* or
HTS_S3_* variables, and proxy settings under which any request to a host
other than loopback fails at once.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from testkit import ROOT
from testkit.isolation import isolated_env

# The recipe (stdlib only) is importable for the pipeline tests; src/ is NOT on
# the path, so `import pysam_s3` finds the installed wheel's copy.
sys.path.insert(0, str(ROOT))

PYSAM_FLAVOURS = ("ours", "stock")


def pytest_addoption(parser):
    parser.addoption("--pysam", choices=PYSAM_FLAVOURS, default=None,
                     help="which pysam the venv holds: ours (this project's wheel) or stock (PyPI's); required")


def pytest_configure(config):
    flavour = config.getoption("--pysam")
    if flavour is None:
        return  # allowed for the unit tests alone: pytest_collection_modifyitems checks
    has_companion = importlib.util.find_spec("pysam_s3") is not None
    if flavour == "ours" and not has_companion:
        raise pytest.UsageError("--pysam=ours, but pysam_s3 is not importable: the wheel under test lost its "
                                "runtime companion (or this venv holds stock pysam)")
    if flavour == "stock" and has_companion:
        raise pytest.UsageError("--pysam=stock, but pysam_s3 is importable: this venv holds our wheel")


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


@pytest.hookimpl(trylast=True)  # after -m has deselected what `make unit` does not run
def pytest_collection_modifyitems(config, items):
    flavour = config.getoption("--pysam")
    if flavour is None:
        needing = [item.nodeid for item in items if "unit" not in item.keywords]
        if needing:
            raise pytest.UsageError(
                "say which pysam this venv holds: --pysam=ours or --pysam=stock (`make test` and `python -m "
                f"recipe test` pass it); only the unit tests (`make unit`) run without, not {needing[0]}")
        return
    if flavour == "ours":
        return
    skip = pytest.mark.skip(reason="needs our wheel (--pysam=stock)")
    for item in items:
        if "ours" in item.keywords:
            item.add_marker(skip)


# --- known gaps -------------------------------------------------------------
# @pytest.mark.known_gap("what is wrong today") marks a test that pins down
# today's wrong or misleading behaviour (it asserts what happens now, so a
# change is noticed). One that passes is not counted as "passed": it has its
# own outcome, "known gap", in the summary line (and a known_gap property in
# the JUnit report), and they are listed at the end of every run.
KNOWN_GAP = "known gap"

def pytest_collection_finish(session):
    for item in session.items:
        m = item.get_closest_marker("known_gap")
        if m:
            item.user_properties.append(("known_gap", m.args[0] if m.args else ""))


def pytest_report_teststatus(report, config):
    if report.when == "call" and report.passed and "known_gap" in dict(report.user_properties):
        return KNOWN_GAP, "g", "KNOWN GAP"
    return None


def pytest_terminal_summary(terminalreporter):
    gaps = [(r.nodeid, r.outcome, dict(r.user_properties).get("known_gap", ""))
            for stats in terminalreporter.stats.values() for r in stats
            if hasattr(r, "user_properties") and getattr(r, "when", "") == "call"
            and "known_gap" in dict(r.user_properties)]
    if gaps:
        terminalreporter.section(f"known gaps ({len(gaps)}), see README 'Known issues'")
        for nodeid, outcome, reason in sorted(gaps):
            terminalreporter.write_line(f"{outcome.upper():7} {nodeid}: {reason}")
