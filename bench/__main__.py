"""python -m bench: our wheel against stock pysam 0.24.1 on this machine.

Local tasks (BAM decode, Python iteration, BAM write, CRAM decode, VCF
iteration, import), S3 region queries (index not cached, then cached) and
whole-file reads of two BAMs and a VCF.gz against s3rver through a counting
proxy, unshaped and shaped as a distant server, and (not with --tiny) wheel
sizes and rebuild times. Writes results.json, table.md and chart.png into
--out (default build/bench/).
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import sys
import time
from pathlib import Path

from recipe import paths, process, steps
from recipe.errors import RecipeError

from . import build, data, machine, report, s3, tasks, venvs
from .proc import BenchError, scratch


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, metavar="N",
                        help="rounds, each running every task once with ours and once with stock (default: 5; 1 with --tiny)")
    parser.add_argument("--tiny", action="store_true",
                        help="tiny data, one round, no packaging numbers: a check that everything works")
    parser.add_argument("--out", type=Path, default=paths.BUILD / "bench", metavar="DIR",
                        help="where results.json, table.md and chart.png go (default: build/bench)")
    parser.add_argument("--cold-build", action="store_true",
                        help="also time `make wheel` from scratch in a fresh clone of HEAD (long)")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter the ours and stock venvs are made from (default: this one)")
    parser.add_argument("--timeout", type=float, default=900, metavar="SECONDS",
                        help="time limit of each measurement (default: 900)")
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 1 if args.tiny else 5
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def _mb(path: Path) -> str:
    return f"{path.stat().st_size / report.MB:.1f} MB"


def describe_data(profile: data.Profile, files: dict[str, Path], large: Path) -> str:
    return (f"BAM {profile.reads:,} reads x {profile.read_length} bp over {len(profile.contigs)} contigs "
            f"({_mb(files['bam'])}), its CRAM ({_mb(files['cram'])}), VCF.gz {profile.vcf_records:,} records x "
            f"{len(profile.samples)} samples ({_mb(files['vcf'])}); S3: small BAM = that BAM, "
            f"large BAM {profile.large_reads:,} reads ({_mb(large)}), VCF.gz = that VCF.gz")


def measure(args: argparse.Namespace, out: Path) -> dict:
    from recipe import lock, testenv

    profile = data.TINY if args.tiny else data.FULL
    lk = lock.load()
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    host = machine.describe()
    pythons = {flavour: venvs.ensure(args.python, flavour, lk) for flavour in ("ours", "stock")}
    work = scratch(out, ".work-")
    try:
        files = data.dataset(pythons["ours"], profile)
        large = data.large_bam(pythons["ours"], profile)
        results = {
            "started": started, "machine": host, "machine_line": machine.one_line(host),
            "options": {"rounds": args.rounds, "profile": profile.name, "cold_build": args.cold_build},
            "pysam": {flavour: machine.versions(python, work) for flavour, python in pythons.items()},
            "venvs": {flavour: str(python) for flavour, python in pythons.items()},
            "wheel": testenv.our_wheel(process.python_tag(pythons["ours"])).name,
            "data": {"profile": profile.name, "files": {k: str(v) for k, v in {**files, "large": large}.items()},
                     "line": describe_data(profile, files, large)},
            "targets": report.targets(),
        }
        results["tasks"] = tasks.measure(pythons, files, args.rounds, work, args.timeout)
        results["s3"] = s3.measure(pythons, s3.objects(files, large), profile.region, args.rounds, work,
                                   args.timeout)
        if not args.tiny:
            results["packaging"] = {
                "wheels": build.wheel_sizes(pythons["stock"], lk["pysam"].version),
                "noop": build.noop_rebuild(out / "noop-build.log"),
                "cold": build.cold_build(out / "cold-build.log") if args.cold_build else None,
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["summary"] = report.summarize(results)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    try:
        results = measure(args, out)
        results["seconds"] = round(time.monotonic() - start, 1)
        (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        (out / "table.md").write_text(report.table(results))
        with steps.step(f"draw {out / 'chart.png'}"):
            report.chart(Path(results["venvs"]["ours"]), out / "results.json", out / "chart.png")
    except (BenchError, RecipeError) as e:
        print(f"\nerror: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print("\n" + (out / "table.md").read_text())
    steps.say(f"==> {out}/results.json, table.md, chart.png ({results['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
