"""One toolchain: requirements/build.txt names it, requirements/build.lock pins it
with a sha256 for every file, [build-system] requires names the same pins, and
the build venv holds exactly what the lock says."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from recipe import _toml, buildinfo, paths, process
from tests.conftest import ROOT

from .conftest import pip_wheel


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(path) -> list[Requirement]:
    lines = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
    return [Requirement(line) for line in lines if line]


def pins(reqs) -> set[tuple[str, str, str]]:
    return {(r.name.lower(), str(r.specifier), str(r.marker or "")) for r in reqs}


def locked() -> dict[tuple[str, str], list[str]]:
    """(name, version) -> its hashes, for every entry of build.lock (any marker)."""
    entries, current = {}, None
    for line in paths.BUILD_LOCK.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)", line)
        if m:
            current = (m.group(1).lower(), m.group(2))
            entries.setdefault(current, [])
        elif current and line.strip().startswith("--hash=sha256:"):
            entries[current].append(line.strip().split(":", 1)[1].rstrip(" \\"))
    return entries


@pytest.mark.unit
def test_build_system_requires_are_the_build_pins():
    with open(ROOT / "pyproject.toml", "rb") as f:
        declared = [Requirement(r) for r in _toml.load(f)["build-system"]["requires"]]
    wanted = [r for r in requirements(paths.REQUIREMENTS / "build.txt") if r.name != "build"]  # build: the frontend
    assert pins(declared) == pins(wanted)


@pytest.mark.unit
def test_the_lock_pins_every_build_requirement_with_hashes():
    entries = locked()
    for req in requirements(paths.REQUIREMENTS / "build.txt"):
        [version] = [s.version for s in req.specifier]
        assert (req.name.lower(), version) in entries, f"{req} is not in build.lock: run `make lock`"
    for (name, version), hashes in entries.items():
        assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), (name, version)


def test_the_build_venv_holds_what_the_lock_says():
    python = paths.VENVS / f"build-{process.python_tag(sys.executable)}" / "bin" / "python"
    code = "import importlib.metadata as m, json; print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    installed = {normal(k): v for k, v in json.loads(subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout).items()}
    env = default_environment()  # the build venv runs this same interpreter version
    lines = [line for line in paths.BUILD_LOCK.read_text().splitlines() if "==" in line and not line.startswith("#")]
    for line in lines:
        req = Requirement(line.rstrip(" \\"))
        if req.marker is None or req.marker.evaluate(env):
            [version] = [s.version for s in req.specifier]
            assert installed.get(normal(req.name)) == version, (req.name, installed.get(normal(req.name)))


@pytest.mark.ours
@pytest.mark.timeout(900)
def test_an_isolated_pip_wheel_builds_with_the_same_toolchain(project, tmp_path):
    """`pip wheel .` (pip's own isolated build environment from [build-system] requires, the
    toolchain's verified files as its only index) runs the same build as `make wheel`: its
    build info names the same lock, tool versions and compiler as the wheel under test."""
    import zipfile

    import pysam_s3.buildinfo

    out = tmp_path / "out"
    proc = pip_wheel(project, out, timeout=840)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    [wheel] = out.glob("pysam-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        isolated = json.loads(zf.read(buildinfo.BUILD_INFO))
    ours = pysam_s3.buildinfo.build_info()
    assert isolated["build_tools"] == ours["build_tools"]
    assert isolated["compiler"] == ours["compiler"]
    assert (isolated["version"], isolated["pins"], isolated["patches"]) == (ours["version"], ours["pins"],
                                                                            ours["patches"])
