"""Draws chart.png from the summary in results.json, inside the ours venv
(matplotlib from requirements/bench.txt, Agg backend: no display needed):
`python -I chart.py RESULT.json results.json chart.png`.

Left: speed ratio stock/ours per task, a line at 1.0 (same speed) and a
marker at each target. Right: the S3 region query, GETs and MB per BAM and
index state, ours next to stock, with the targets for the cached index.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend

OURS, STOCK, TARGET = "#1f77b4", "#bbbbbb", "#d62728"


def speed(ax, rows):
    names = [r["task"] for r in rows]
    ratios = [r["ratio"] for r in rows]
    colors = [OURS if r >= 1 else "#ff7f0e" for r in ratios]
    bars = ax.bar(names, ratios, color=colors)
    ax.bar_label(bars, labels=[f"{r:.2f}x" for r in ratios], fontsize=8)
    ax.axhline(1.0, color="black", linewidth=1)
    targets = [(i, r["target"]) for i, r in enumerate(rows) if r["target"]]
    if targets:
        ax.scatter([i for i, _ in targets], [t for _, t in targets], marker="_", s=900, linewidths=3,
                   color=TARGET, zorder=3, label="target")
        ax.legend(loc="upper left", fontsize=8)
    ax.set_ylim(0, max(ratios + [t for _, t in targets] + [1]) * 1.2)
    ax.set_ylabel("stock time / ours time  (> 1: ours is faster)")
    ax.set_title("Speed, median per task")
    ax.tick_params(axis="x", rotation=30)


def s3(ax, rows, key, unit, target):
    labels = [f"{r['bam']} BAM\n{r['index']}" for r in rows]
    x = range(len(rows))
    width = 0.38
    highest = target
    for offset, flavour, color in ((-width / 2, "stock", STOCK), (width / 2, "ours", OURS)):
        values = [r[flavour][key] for r in rows]
        bars = ax.bar([i + offset for i in x], values, width, color=color, label=flavour)
        ax.bar_label(bars, labels=[f"{v:.3g}" for v in values], fontsize=7)
        highest = max([highest, *values])
    cached = [i for i, r in enumerate(rows) if r["index"] == "cached"]
    ax.scatter(cached, [target] * len(cached), marker="_", s=900, linewidths=3, color=TARGET, zorder=3,
               label="target (index cached)")
    ax.set_ylim(0, highest * 1.35)  # room for the legend above the bars
    ax.set_xticks(list(x), labels, fontsize=8)
    ax.set_ylabel(unit)
    ax.set_title(f"S3 region query: {unit}")
    ax.legend(loc="upper left", fontsize=8, ncols=3)


def main():
    result_path, results_json, png = sys.argv[1:]
    results = json.loads(Path(results_json).read_text())
    summary, targets = results["summary"], results["targets"]
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.5), gridspec_kw={"width_ratios": [1.4, 1, 1]})
    speed(axes[0], summary["speed"])
    s3(axes[1], summary["s3"], "gets", "GET requests", targets["s3_gets"])
    s3(axes[2], summary["s3"], "mb", "MB served", targets["s3_mb"])
    fig.suptitle(f"pysam-s3 vs stock pysam: {results['machine_line']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    Path(result_path).write_text(json.dumps({"bytes": Path(png).stat().st_size}))


if __name__ == "__main__":
    main()
