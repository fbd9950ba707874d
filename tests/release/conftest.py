"""tests/release: the release machinery (workflows, cibuildwheel matrix, SBOM,
sdist, reproducibility). The tools come from requirements/release.txt, which
needs Python >= 3.11: on older interpreters these tests are skipped; on newer
ones a missing tool is a failure, not a skip."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

RELEASE_TOOLS_PYTHON = (3, 11)


def tool(name: str) -> str:
    """The path of a release tool installed next to this interpreter."""
    if sys.version_info < RELEASE_TOOLS_PYTHON:
        pytest.skip(f"{name} needs Python >= 3.11 (requirements/release.txt)")
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: requirements/release.txt belongs in the test venv", pytrace=False)
    return found
