"""Draws chart.png from the summary in results.json, inside the ours venv
(matplotlib from requirements/bench.txt, Agg backend: no display needed):
`python -I chart.py RESULT.json results.json chart.png`.

Left: speed ratio stock/ours per task, a line at 1.0 (same speed) and a
marker at each target. Right, top: the S3 region queries under shaping
(requests and MB served per object, cold and warm), ours next to stock, with
ours' targets; middle: the whole-file reads' speed ratio stock/ours per
object, one bar per shaping, with the shaped target; bottom: the same for
many regions of one open file and the pileup, with the regions' targets.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend

OURS, STOCK, TARGET = "#1f77b4", "#bbbbbb", "#d62728"


def not_measured(ax, title):
    """An empty panel for what a limited run (--no-local, --objects, ...) left out."""
    ax.set_title(f"{title}: not measured in this run")
    ax.axis("off")


def speed(ax, rows):
    if not rows:
        return not_measured(ax, "Speed")
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


def _region_target(row, targets, key):
    """ours' target for a region-query bar, or None (the VCF.gz has none)."""
    s3 = targets["s3"]
    if row["object"] not in s3["region_objects"]:
        return None
    if row["measurement"] == "region-warm":
        return s3["region-warm"]["requests"] if key == "requests" else s3["region-warm"]["bytes"] / 1e6
    return s3["region-cold"]["requests"] if key == "requests" else (
        row["index_bytes"] + s3["region-cold"]["bytes_over_index"]) / 1e6


def region(ax, table, targets, key, unit):
    """Requests or MB of the region queries, ours next to stock, with ours' targets."""
    rows = [r for r in table["rows"] if r["measurement"] in ("region-cold", "region-warm")]
    if not rows:
        return not_measured(ax, f"S3 region query, {table['label']}")
    labels = [f"{r['what']}\n{r['measurement'].removeprefix('region-')}" for r in rows]
    x = range(len(rows))
    width = 0.38
    scale = 1e6 if key == "bytes" else 1
    values = {flavour: [r[flavour][key] / scale for r in rows] for flavour in ("stock", "ours")}
    for offset, flavour, color in ((-width / 2, "stock", STOCK), (width / 2, "ours", OURS)):
        bars = ax.bar([i + offset for i in x], values[flavour], width, color=color, label=flavour)
        ax.bar_label(bars, labels=[f"{v:.3g}" for v in values[flavour]], fontsize=7)
    marks = [(i, t) for i, r in enumerate(rows) if (t := _region_target(r, targets, key)) is not None]
    ax.scatter([i + width / 2 for i, _ in marks], [t for _, t in marks], marker="_", s=300, linewidths=3,
               color=TARGET, zorder=3, label="target (ours)")
    ax.set_ylim(0, max([*values["stock"], *values["ours"], *(t for _, t in marks), 1e-6]) * 1.35)
    ax.set_xticks(list(x), labels, fontsize=7)
    ax.set_ylabel(unit)
    ax.set_title(f"S3 region query, {table['label']}: {unit}")
    ax.legend(loc="upper left", fontsize=8, ncols=3)


def ratios(ax, tables, targets, measurements, least, title):
    """stock time / ours time of the rows of *measurements*, one bar per shaping, with ours'
    ratio target where *least*(targets, shaping name, table, row) gives one."""
    rows = {name: {(r["object"], r["measurement"]): r for r in table["rows"] if r["measurement"] in measurements}
            for name, table in tables.items()}
    keys = list(dict.fromkeys(key for by_key in rows.values() for key in by_key))  # (object, measurement)
    whats = {key: row["what"] for by_key in rows.values() for key, row in by_key.items()}
    if not keys:
        return not_measured(ax, title)
    labels = [whats[key] if len(measurements) == 1 else f"{whats[key]}\n{key[1].removeprefix('regions-')}"
              for key in keys]
    width = 0.8 / len(tables)
    highest = 1.0
    for k, (name, color) in enumerate(zip(tables, ("#9ecae1", OURS, "#2ca02c"))):
        xs = [i + (k - (len(tables) - 1) / 2) * width for i in range(len(keys))]
        values = [(rows[name][key]["ratio"] or 0) if key in rows[name] else 0 for key in keys]
        bars = ax.bar(xs, values, width, color=color, label=tables[name]["label"])
        ax.bar_label(bars, labels=[f"{v:.2f}x" for v in values], fontsize=6)
        marks = [(x, t) for x, key in zip(xs, keys)
                 if key in rows[name] and (t := least(targets, name, tables[name], rows[name][key]))]
        if marks:
            ax.scatter([x for x, _ in marks], [t for _, t in marks], marker="_", s=2500 * width, linewidths=3,
                       color=TARGET, zorder=3, label=f"target, {name}")
        highest = max([highest, *values, *(t for _, t in marks)])
    ax.axhline(1.0, color="black", linewidth=1)
    ax.set_ylim(0, highest * 1.3)
    ax.set_xticks(range(len(keys)), labels, fontsize=7)
    ax.set_ylabel("stock time / ours time  (> 1: ours is faster)")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8, ncols=3, markerscale=0.35)  # the target's wide marker


def stream_target(targets, name, table, row):
    """The shaped whole-file read's ratio target, for ratios()."""
    return targets["s3"]["stream"]["shaped_ratio"] if table["latency"] or table["bandwidth"] else None


def regions_target(targets, name, table, row):
    """The many-regions ratio targets at their one shaping, for ratios()."""
    regions = targets["s3"]["regions"]
    return regions["ratio"].get(row["measurement"]) if name == regions["shaping"] else None


def main():
    result_path, results_json, png = sys.argv[1:]
    results = json.loads(Path(results_json).read_text())
    summary, targets = results["summary"], results["targets"]
    tables = summary["s3"]
    shaped = next((t for t in tables.values() if t["latency"] or t["bandwidth"]), next(iter(tables.values())))
    fig = plt.figure(figsize=(18, 15))
    grid = fig.add_gridspec(3, 3, width_ratios=[1.2, 1, 1])
    speed(fig.add_subplot(grid[:, 0]), summary["speed"])
    region(fig.add_subplot(grid[0, 1]), shaped, targets, "requests", "requests")
    region(fig.add_subplot(grid[0, 2]), shaped, targets, "bytes", "MB served")
    ratios(fig.add_subplot(grid[1, 1:]), tables, targets, ("stream",), stream_target,
           "S3 whole-file read (stream): speed ratio")
    ratios(fig.add_subplot(grid[2, 1:]), tables, targets,
           ("regions-sorted", "regions-unsorted", "regions-workers", "regions-list-sorted", "regions-list-unsorted",
            "pileup"), regions_target,
           "S3 many 1 kb regions of one open file, and a 50 kb pileup: speed ratio")
    fig.suptitle(f"pysam-s3 vs stock pysam: {results['machine_line']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    Path(result_path).write_text(json.dumps({"bytes": Path(png).stat().st_size}))


if __name__ == "__main__":
    main()
