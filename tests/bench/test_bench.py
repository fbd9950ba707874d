"""`python -m bench --tiny` end to end: both venvs, generated data, every
local task, every S3 measurement of every object against s3rver through the
counting proxy, unshaped and shaped, table and chart; and the options that
limit a run. The numbers of a tiny run mean nothing; that they are all there
does."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from testkit import ROOT
from testkit.isolation import isolated_env

pytestmark = [pytest.mark.ours, pytest.mark.timeout(900)]

TASKS = ("decode", "iterate", "write", "cram-decode", "vcf-iterate", "import")
# "far" runs the same code as "shaped", at 80 ms a round trip: left out, it would add a minute
SHAPINGS = ("unshaped", "shaped")
SINGLE = ("region-cold", "region-warm", "stream")
REGIONS = ("regions-sorted", "regions-unsorted", "regions-list-sorted", "regions-list-unsorted")
MEASURED = {"small": (*SINGLE, *REGIONS, "regions-workers", "pileup"), "large": (*SINGLE, *REGIONS, "pileup"),
            "vcf": (*SINGLE, *REGIONS, "regions-workers"), "cram": REGIONS, "bcf": REGIONS}
OBJECTS = tuple(MEASURED)
ROWS = [(obj, measurement) for obj, measurements in MEASURED.items() for measurement in measurements]
INDEXES = {"small": "small.bam.bai", "large": "large.bam.bai", "vcf": "calls.vcf.gz.tbi", "cram": "reads.cram.crai",
           "bcf": "calls.bcf.csi"}
TINY_REGIONS = 20
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
    done = subprocess.run([sys.executable, "-m", "bench", "--tiny", "--shapings", ",".join(SHAPINGS),
                           "--out", str(out)], cwd=out, env=env, capture_output=True, text=True, timeout=300)
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


def test_s3_runs_cover_every_shaping_object_and_measurement_and_agree(tiny_run):
    results = json.loads((tiny_run / "results.json").read_text())
    runs = results["s3"]["runs"]
    assert sorted((r["shaping"], r["object"], r["measurement"], r["flavour"]) for r in runs) == sorted(
        (shaping, obj, measurement, flavour) for shaping in SHAPINGS for obj, measurement in ROWS
        for flavour in ("ours", "stock"))
    for run in runs:
        assert run["requests"].get("GET", 0) > 0 and run["bytes"] > 0 and run["connections"] > 0, run
        assert run["seconds"] > 0 and run["records"] > 0, run
        if run["flavour"] == "stock" and run["measurement"] != "stream":
            # stock downloads the index into the working directory; its warm run reuses that directory
            assert INDEXES[run["object"]] in run["cwd_files"], run
    for obj, measurement in ROWS:
        done = {(r["flavour"], r["records"], r.get("checksum")) for r in runs
                if (r["object"], r["measurement"]) == (obj, measurement)}
        assert {flavour for flavour, _, _ in done} == {"ours", "stock"}, done
        assert len({(records, checksum) for _, records, checksum in done}) == 1, done


def test_many_regions_come_from_one_list_and_count_their_traffic(tiny_run):
    s3 = json.loads((tiny_run / "results.json").read_text())["s3"]
    assert len(s3["regions"]["sorted"]) == TINY_REGIONS
    assert sorted(s3["regions"]["unsorted"]) == sorted(s3["regions"]["sorted"]) != s3["regions"]["unsorted"]
    for run in s3["runs"]:
        if run["measurement"].startswith("regions-"):
            assert run["regions"] == TINY_REGIONS and run["checksum"] > 0, run
            assert 0 < run["median_get_bytes"] and 0 < run["bytes_per_region"] * TINY_REGIONS <= run["bytes"], run
    for obj in OBJECTS:
        # the same regions in any order, or split among workers: the same records
        read = {(r["records"], r["checksum"]) for r in s3["runs"]
                if r["object"] == obj and r["measurement"].startswith("regions-")}
        assert len(read) == 1, (obj, read)


def test_s3_summary_has_a_row_per_object_and_measurement_in_each_shaping(tiny_run):
    results = json.loads((tiny_run / "results.json").read_text())
    tables = results["summary"]["s3"]
    assert list(tables) == list(SHAPINGS)
    for name, table in tables.items():
        assert [(r["object"], r["measurement"]) for r in table["rows"]] == ROWS
        for row in table["rows"]:
            for flavour in ("ours", "stock"):
                numbers = row[flavour]
                assert numbers["seconds"] > 0 and numbers["requests"] > 0 and numbers["bytes"] > 0, row
                assert numbers["connections"] > 0, row
                assert (numbers["bytes_per_region"] is not None) == row["measurement"].startswith("regions-"), row
            # every row has a target, first a speed ratio: at least not slower than stock
            assert row["met"] is not None and row["verdict"].startswith(("met", "gap: ")), row
            assert re.match(r"≥ [\d.]+x", row["target"]), row
        targets = {(r["object"], r["measurement"]): r["target"] for r in table["rows"]}
        if name == "shaped":
            assert targets[("small", "regions-sorted")].startswith("≥ 2x, ≤ stock's "), targets
            assert targets[("small", "regions-unsorted")] == "≥ 3x, ≤ 64 KiB per region", targets
            assert targets[("small", "regions-list-sorted")] == "≥ 8x", targets


def test_table_has_an_s3_table_per_shaping_with_every_row(tiny_run):
    markdown = (tiny_run / "table.md").read_text()
    sections = re.split(r"^### ", markdown, flags=re.M)[1:]
    s3 = [section for section in sections if section.startswith("S3, ")]
    assert [section.splitlines()[0] for section in s3] == ["S3, no shaping", "S3, 30 ms + 50 MB/s per connection"]
    for section in s3:
        rows = [line for line in section.split("\n## ")[0].splitlines()
                if line.startswith("|") and not line.startswith(("|---", "| object"))]
        assert len(rows) == len(ROWS), rows
        for row in rows:
            cells = [c.strip() for c in row.strip("|").split("|")]
            assert re.fullmatch(r"\d+\.\d+ s", cells[3]) and re.fullmatch(r"\d+\.\d+ s", cells[4]), cells
            assert all(re.fullmatch(r"[\d.,]+", c) for c in cells[6:10] + cells[12:14]), cells
            per_region = r"\d+\.\d \(\d+\.\d\)" if cells[1].startswith("regions") else "—"
            assert all(re.fullmatch(per_region, c) for c in cells[10:12]), cells


def test_chart_is_a_png(tiny_run):
    png = (tiny_run / "chart.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000


def test_options_limit_a_run():
    from bench.__main__ import parse
    args = parse(["--tiny", "--objects", "vcf,small", "--shapings", "far", "--s3-measurements", "pileup",
                  "--no-local"])
    assert (args.objects, args.shapings, args.s3_measurements, args.local) == (["small", "vcf"], ["far"], ["pileup"],
                                                                               False)
    for wrong in (["--objects", "small,huge"], ["--shapings", ""], ["--s3-measurements", "region-warm"]):
        with pytest.raises(SystemExit):
            parse(wrong)
