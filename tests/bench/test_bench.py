"""`python -m bench --tiny` end to end: both venvs, generated data, every
local task, the S3 region query through the counting proxy, table and chart.
The numbers of a tiny run mean nothing; that they are all there does."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT, isolated_env

pytestmark = [pytest.mark.ours, pytest.mark.timeout(900)]

TASKS = ("decode", "iterate", "write", "cram-decode", "vcf-iterate", "import")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="session")
def bench_venvs():
    """Made before the test's isolation (a session fixture is set up first), so pip
    reaches PyPI for stock pysam with the machine's own network settings; the
    benchmark then finds both venvs current and needs no network."""
    from bench import venvs
    from recipe import lock
    return {flavour: venvs.ensure(sys.executable, flavour, lock.load()) for flavour in ("ours", "stock")}


@pytest.fixture(scope="module")
def tiny_run(bench_venvs, tmp_path_factory):
    out, home = tmp_path_factory.mktemp("bench"), tmp_path_factory.mktemp("home")
    env = {**isolated_env(home), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bench", "--tiny", "--out", str(out)], cwd=out, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"python -m bench --tiny failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return out


def table_rows(markdown: str) -> dict[str, list[str]]:
    """First cell -> the other cells, for every row of every table."""
    rows = {}
    for line in markdown.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows.setdefault(cells[0], cells[1:])
    return rows


def test_table_has_a_row_per_task_with_numeric_medians(tiny_run):
    rows = table_rows((tiny_run / "table.md").read_text())
    for task in TASKS:
        assert task in rows, f"no row for {task} in table.md"
        stock, ours, ratio = rows[task][:3]
        assert re.fullmatch(r"\d+\.\d+ s", stock) and re.fullmatch(r"\d+\.\d+ s", ours), rows[task]
        assert float(ours.split()[0]) > 0 and float(stock.split()[0]) > 0
        assert re.fullmatch(r"\d+\.\d+x", ratio), rows[task]


def test_results_json_has_every_round_and_the_machine(tiny_run):
    results = json.loads((tiny_run / "results.json").read_text())
    assert set(results["tasks"]) == set(TASKS)
    for task in results["tasks"].values():
        assert len(task["ours"]) == len(task["stock"]) == results["options"]["rounds"] == 1
    assert results["machine"]["cores"] >= 1 and results["machine"]["cpu"]
    assert results["pysam"]["ours"]["pysam"] == results["pysam"]["stock"]["pysam"] == "0.24.1"
    assert "packaging" not in results  # --tiny: no build numbers


def test_s3_rows_counted_gets_and_ours_and_stock_agree(tiny_run):
    results = json.loads((tiny_run / "results.json").read_text())
    runs = results["s3"]["runs"]
    assert {(r["bam"], r["index"], r["flavour"]) for r in runs} == {
        (bam, index, flavour) for bam in ("small", "large") for index in ("not cached", "cached")
        for flavour in ("ours", "stock")}
    for run in runs:
        assert run["requests"].get("GET", 0) > 0 and run["bytes"] > 0, run
        assert bool(run["index_downloaded"]) == (run["index"] == "not cached"), run
    for bam in ("small", "large"):
        counts = {r["flavour"]: r["records"] for r in runs if r["bam"] == bam}
        assert counts["ours"] == counts["stock"] > 0, counts
    for row in results["summary"]["s3"]:
        assert row["ours"]["gets"] > 0 and row["stock"]["gets"] > 0, row


def test_chart_is_a_png(tiny_run):
    png = (tiny_run / "chart.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000
