"""From the raw numbers to what a person reads: medians, ratios and the
targets of issue 6 (summarize), table.md (table), and chart.png, which
bench/chart.py draws inside the ours venv (it has matplotlib) from the summary
in results.json."""

from __future__ import annotations

import statistics
from pathlib import Path

from .proc import BenchError, script

# stock time / ours time, at least
SPEED_TARGETS = {"decode": 1.5, "write": 2.8, "iterate": 1.4}
# ours, region query with the index cached, on each BAM (stock measured before: 8 GETs, 3.15 MB)
S3_TARGET = {"gets": 4, "mb": 1.5}
WHEEL_TARGET_MB = 8.0
REBUILD_TARGET_S = 30.0
MB = 1e6  # sizes in MB (10^6 bytes), as in the issue
COLD_NOT_MEASURED = "not measured (run with --cold-build)"


def targets() -> dict:
    return {"speed": SPEED_TARGETS, "s3_gets": S3_TARGET["gets"], "s3_mb": S3_TARGET["mb"],
            "wheel_mb": WHEEL_TARGET_MB, "rebuild_s": REBUILD_TARGET_S}


def _median(values):
    return statistics.median(values) if values else None


def _gap(value: float, target: str) -> str:
    return f"gap: {value}, target {target}"


def speed_rows(tasks: dict) -> list[dict]:
    rows = []
    for name, task in tasks.items():
        ours, stock = _median(task["ours"]), _median(task["stock"])
        ratio = stock / ours if ours else None
        target = SPEED_TARGETS.get(name)
        rows.append({"task": name, "what": task["what"], "stock": stock, "ours": ours, "ratio": ratio,
                     "target": target, "met": None if target is None else ratio >= target})
    return rows


def s3_rows(s3: dict) -> list[dict]:
    rows = []
    for label, bam in s3["bams"].items():
        for state in ("not cached", "cached"):
            row = {"bam": label, "bam_mb": bam["bytes"] / MB, "index": state}
            for flavour in ("stock", "ours"):
                runs = [r for r in s3["runs"] if r["bam"] == label and r["index"] == state and r["flavour"] == flavour]
                row["records"] = runs[0]["records"] if runs else None
                row[flavour] = {"seconds": _median([r["seconds"] for r in runs]),
                                "gets": _median([r["requests"].get("GET", 0) for r in runs]),
                                "requests": _median([sum(r["requests"].values()) for r in runs]),
                                "mb": _median([r["bytes"] / MB for r in runs])}
            if state == "cached":
                ours = row["ours"]
                row["met"] = ours["gets"] <= S3_TARGET["gets"] and ours["mb"] <= S3_TARGET["mb"]
            rows.append(row)
    return rows


def packaging_rows(packaging: dict) -> list[dict]:
    rows = []
    wheels = packaging["wheels"]
    ours_mb, stock_mb = wheels["ours"]["bytes"] / MB, wheels["stock"]["bytes"] / MB
    rows.append({"what": "wheel size", "stock": f"{stock_mb:.2f} MB ({wheels['stock']['file']})",
                 "ours": f"{ours_mb:.2f} MB ({wheels['ours']['file']})", "target": f"≤ {WHEEL_TARGET_MB:g} MB",
                 "met": _verdict(ours_mb <= WHEEL_TARGET_MB, f"{ours_mb:.2f} MB", f"≤ {WHEEL_TARGET_MB:g} MB")})
    for key, what, target in (("noop", "no-op rebuild (`make wheel` again)", REBUILD_TARGET_S),
                              ("cold", "cold build (fresh clone, downloads copied)", None)):
        run = packaging.get(key)
        target_text = f"< {target:g} s" if target else "—"
        if run is None:
            ours, met = COLD_NOT_MEASURED, "—"
        elif "skipped" in run:
            ours, met = f"not measured ({run['skipped']})", "—"
        elif run["returncode"] != 0:
            ours, met = f"failed (exit status {run['returncode']}, log: {run['log']})", "—"
        else:
            ours = f"{run['seconds']:.1f} s, peak RSS {run['peak_rss_mib']:.0f} MiB (largest process)"
            met = _verdict(run["seconds"] < target, f"{run['seconds']:.1f} s", target_text) if target else "—"
        rows.append({"what": what, "stock": "—", "ours": ours, "target": target_text, "met": met})
    return rows


def _verdict(ok: bool, value: str, target: str) -> str:
    return "met" if ok else _gap(value, target)


def summarize(results: dict) -> dict:
    summary = {"speed": speed_rows(results["tasks"]), "s3": s3_rows(results["s3"])}
    if results.get("packaging"):
        summary["packaging"] = packaging_rows(results["packaging"])
    return summary


def _seconds(value) -> str:
    return f"{value:.3f} s"


def table(results: dict) -> str:
    s, machine, about = results["summary"], results["machine"], results["pysam"]
    data = results["data"]
    lines = [
        "# pysam-s3 benchmark: ours vs stock pysam",
        "",
        f"Measured {results['started']} on {results['machine_line']}. "
        f"{results['options']['rounds']} round(s), ours and stock alternating within each; medians. "
        "Ratio = stock time / ours time (> 1: ours is faster).",
        "",
        f"* ours: pysam {about['ours']['pysam']}, htslib {about['ours']['htslib']} ({results['wheel']})",
        f"* stock: pysam {about['stock']['pysam']}, htslib {about['stock']['htslib']} (PyPI)",
        f"* Python {about['ours']['python']}; data ({results['options']['profile']}): " + data["line"],
        "",
        "## Speed",
        "",
        "| task | stock median | ours median | stock/ours ratio | target | met? |",
        "|---|---|---|---|---|---|",
    ]
    for row in s["speed"]:
        target = f"≥ {row['target']:g}x" if row["target"] else "—"
        met = "—" if row["met"] is None else _verdict(row["met"], f"{row['ratio']:.2f}x", target)
        lines.append(f"| {row['task']} | {_seconds(row['stock'])} | {_seconds(row['ours'])} | "
                     f"{row['ratio']:.2f}x | {target} | {met} |")
    lines += [""] + [f"* {row['task']}: {row['what']}" for row in s["speed"]]
    region = results["s3"]["region"]
    lines += [
        "",
        "## S3 region query",
        "",
        f"One query of {region[0]}:{region[1]:,}-{region[2]:,} through s3+http:// against moto on 127.0.0.1, "
        "counted at a reverse proxy in front of it. *not cached*: a fresh working directory (htslib downloads the "
        ".bai there); *cached*: the same query again in that directory. Time: open + fetch + count, inside "
        "the subprocess (moto reads the whole object for every ranged GET, so times grow with the BAM for both). "
        "MB: response bytes sent to pysam.",
        "",
        "| BAM | index | records | stock time | ours time | stock GETs | ours GETs | stock MB | ours MB | target (ours) | met? |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in s["s3"]:
        o, st = row["ours"], row["stock"]
        cached = row["index"] == "cached"
        target = f"≤ {S3_TARGET['gets']} GETs, ≤ {S3_TARGET['mb']:g} MB" if cached else "—"
        met = _verdict(row["met"], f"{o['gets']:g} GETs, {o['mb']:.2f} MB", target) if cached else "—"
        lines.append(f"| {row['bam']} ({row['bam_mb']:.1f} MB) | {row['index']} | {row['records']:,} | "
                     f"{_seconds(st['seconds'])} | {_seconds(o['seconds'])} | {st['gets']:g} | {o['gets']:g} | "
                     f"{st['mb']:.2f} | {o['mb']:.2f} | {target} | {met} |")
    lines += ["", "## Packaging", ""]
    if "packaging" not in s:
        lines.append("Not measured with --tiny.")
    else:
        lines += ["| what | stock | ours | target | met? |", "|---|---|---|---|---|"]
        lines += [f"| {r['what']} | {r['stock']} | {r['ours']} | {r['target']} | {r['met']} |" for r in s["packaging"]]
    return "\n".join(lines) + "\n"


def chart(python: Path, results_json: Path, png: Path) -> None:
    try:
        script(python, "chart.py", results_json, png, cwd=png.parent, timeout=300)
    except BenchError as e:
        raise BenchError(f"drawing {png.name} (matplotlib from requirements/bench.txt, in {python}): {e}") from None
