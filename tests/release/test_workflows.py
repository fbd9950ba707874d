"""The workflow files are valid and pass the workflow linter; every action is
pinned to a commit with its version named; release builds use no caches."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import ROOT

from .conftest import tool

pytestmark = pytest.mark.timeout(120)

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=100)


@pytest.mark.unit
def test_there_are_ci_and_release_workflows():
    assert {w.name for w in WORKFLOWS} == {"ci.yml", "release.yml"}


def test_workflows_match_githubs_schema():
    proc = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dependabot_config_matches_its_schema():
    proc = run(tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_finds_nothing():
    proc = run(tool("zizmor"), "--offline", "--format", "plain", ".github/workflows")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout


@pytest.mark.unit
@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actions_pinned_to_a_commit_with_its_version(workflow):
    uses = re.findall(r"uses:\s*(\S+)(.*)", workflow.read_text())
    assert uses
    for ref, rest in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
        assert re.search(r"#\s*v\d+\.\d+\.\d+", rest), f"{ref}: name the version in a comment"


@pytest.mark.unit
def test_release_builds_use_no_caches():
    """A cache written by a pull request must never reach a published artifact."""
    assert "actions/cache" not in (ROOT / ".github/workflows/release.yml").read_text()


@pytest.mark.unit
def test_release_runs_on_version_tags_and_publishes_only_from_them():
    text = (ROOT / ".github/workflows/release.yml").read_text()
    assert re.search(r'tags:\s*\["v\*"\]', text)
    assert "startsWith(github.ref, 'refs/tags/v')" in text
    assert "SHA256SUMS" in text and "recipe sbom" in text and "make sdist" in text


@pytest.mark.unit
def test_nothing_is_released_while_a_bundled_library_is_behind():
    """The release job waits for `recipe check-pins`, which fails on a stale network stack."""
    text = (ROOT / ".github/workflows/release.yml").read_text()
    pins = text.split("\n  pins:\n", 1)[1].split("\n  release:\n", 1)[0]
    assert "run: python -m recipe check-pins" in pins
    assert "requirements/release.txt" in pins
    release = text.split("\n  release:\n", 1)[1].split("\n  publish:\n", 1)[0]
    assert re.search(r"needs: \[[^\]]*\bpins\b[^\]]*\]", release)
