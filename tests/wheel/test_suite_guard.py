"""The suite cannot hide a missing part: it is told which pysam it tests, fails at
once when our wheel lost pysam_s3, and counts known gaps apart from passes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.ours

# sys.modules[name] = None is how Python blocks an import: find_spec() then says "not there",
# as it would in a wheel that shipped without pysam_s3.
WITHOUT_COMPANION = "import sys; sys.modules['pysam_s3'] = None; import pytest; sys.exit(pytest.main(sys.argv[1:]))"
WITH_COMPANION = "import sys, pytest; sys.exit(pytest.main(sys.argv[1:]))"


def inner_pytest(code: str, *args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))


def test_ours_without_pysam_s3_fails_instead_of_skipping():
    proc = inner_pytest(WITHOUT_COMPANION, "--pysam=ours", "tests/wheel/test_installed.py")
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout + proc.stderr
    assert "--pysam=ours, but pysam_s3 is not importable" in proc.stderr
    assert "skipped" not in proc.stdout


def test_the_flavour_must_be_named_and_match_the_venv():
    unnamed = inner_pytest(WITH_COMPANION, "tests/wheel/test_installed.py")
    assert unnamed.returncode == pytest.ExitCode.USAGE_ERROR
    assert "say which pysam this venv holds: --pysam=ours or --pysam=stock" in unnamed.stderr
    wrong = inner_pytest(WITH_COMPANION, "--pysam=stock", "tests/wheel/test_installed.py")
    assert wrong.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--pysam=stock, but pysam_s3 is importable" in wrong.stderr


def test_a_known_gap_is_its_own_outcome(tmp_path):
    (tmp_path / "test_gap.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.known_gap('today it is wrong')\n"
        "def test_pins_todays_behaviour():\n    assert True\n\n"
        "def test_plain():\n    assert True\n")
    junit = tmp_path / "report.xml"
    proc = inner_pytest(WITH_COMPANION, "-c", str(ROOT / "pyproject.toml"), "-p", "tests.conftest",
                        "--pysam=ours", f"--junitxml={junit}", str(tmp_path / "test_gap.py"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = proc.stdout.strip().splitlines()[-1]
    assert "1 passed" in summary and "1 known gap" in summary, summary
    assert "test_pins_todays_behaviour: today it is wrong" in proc.stdout
    assert '<property name="known_gap" value="today it is wrong"' in junit.read_text()
