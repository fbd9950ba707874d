"""What `make reproducible` relies on. The full proof (two clean builds, ~20
minutes) is `make reproducible`; here: the comparison and the timestamps."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import zipfile

from recipe import epoch, process, reproducible
from tests.conftest import ROOT

pytestmark = pytest.mark.unit  # make unit: no wheel, no build, no download


def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data, date in members:
            info = zipfile.ZipInfo(name, date_time=date)
            zf.writestr(info, data)
    return path


def test_differences_name_the_members(tmp_path):
    d = (1980, 1, 1, 0, 0, 0)
    a = make_zip(tmp_path / "a.whl", [("x.py", b"1", d), ("y.so", b"elf", d), ("z", b"", d)])
    b = make_zip(tmp_path / "b.whl", [("x.py", b"1", (2026, 1, 1, 0, 0, 0)), ("y.so", b"ELF", d), ("w", b"", d)])
    assert reproducible.differences(a, b) == [
        "only in one wheel: w", "only in one wheel: z", "date or mode differs: x.py", "content differs: y.so"]
    same = make_zip(tmp_path / "same.whl", [("x.py", b"1", d), ("y.so", b"elf", d), ("z", b"", d)])
    assert reproducible.differences(a, same) == []


def epoch_in_subprocess(env):
    code = "from recipe import epoch; print(epoch.source_date_epoch())"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True, timeout=60).stdout.strip()


def test_source_date_epoch_given_wins():
    assert epoch_in_subprocess({**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}) == "1700000000"


def test_source_date_epoch_defaults_to_the_commit_time():
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    if not (ROOT / ".git").exists():
        assert epoch_in_subprocess(env) == str(epoch.ZIP_EPOCH)
        return
    commit = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True,
                            timeout=30).stdout.strip()
    assert epoch_in_subprocess(env) == commit


def test_every_step_gets_it_and_dependencies_get_a_constant(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    epoch.source_date_epoch.cache_clear()
    try:
        assert process.clean_env()["SOURCE_DATE_EPOCH"] == "1700000000"
        from recipe import deps, toolchain
        tc = toolchain.Toolchain("t", "cc", "ar", "ranlib", ("-O2",), "cc 1")
        build = deps.DepBuild("x", "1", ROOT, ROOT, tc, 1, ROOT / "log")
        assert build.env()["SOURCE_DATE_EPOCH"] == epoch.DEPENDENCY_EPOCH
    finally:
        epoch.source_date_epoch.cache_clear()
