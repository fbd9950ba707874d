"""python -m bench: our wheel against stock pysam 0.24.1 on this machine.

Local tasks (BAM decode, Python iteration, BAM write, CRAM decode, VCF
iteration, import); against s3rver through a counting proxy, unshaped and
shaped as a distant and a farther server: region queries (index not cached,
then cached), whole-file reads, many regions of one open file (sorted,
unsorted, over worker processes) and a pileup, of two BAMs, a VCF.gz, a CRAM
and a BCF; and (not with --tiny) wheel sizes and rebuild times. Writes
results.json, table.md and chart.png into --out (default build/bench/).
--objects, --shapings, --s3-measurements and --no-local limit a run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Callable

from recipe import paths, process, steps
from recipe.errors import RecipeError

from . import build, data, machine, report, s3, tasks, venvs
from .proc import BenchError, scratch


def _names(known) -> Callable[[str], list[str]]:
    """An argparse type: a comma-separated choice among *known*, in *known*'s order."""
    def names(text: str) -> list[str]:
        given = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in given if name not in known]
        if unknown or not given:
            raise argparse.ArgumentTypeError(f"{', '.join(unknown) or 'nothing'} given; "
                                             f"choose among {', '.join(known)}")
        return [name for name in known if name in given]
    return names


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
    parser.add_argument("--objects", type=_names(s3.OBJECTS), default=list(s3.OBJECTS), metavar="A,B",
                        help=f"S3 objects to measure (default: all of {','.join(s3.OBJECTS)}); "
                             "the large BAM is made only when chosen")
    parser.add_argument("--shapings", type=_names(s3.SHAPINGS), default=list(s3.SHAPINGS), metavar="A,B",
                        help=f"S3 shapings (default: all of {','.join(s3.SHAPINGS)})")
    parser.add_argument("--s3-measurements", type=_names(s3.MEASUREMENTS), default=list(s3.MEASUREMENTS),
                        metavar="A,B", help=f"S3 measurements (default: all of {','.join(s3.MEASUREMENTS)})")
    parser.add_argument("--no-local", dest="local", action="store_false",
                        help="only the S3 part: no local tasks and no packaging numbers (which run `make wheel`)")
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 1 if args.tiny else 5
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if "region-warm" in args.s3_measurements and "region-cold" not in args.s3_measurements:
        parser.error("--s3-measurements: region-warm reuses what region-cold leaves: choose both")
    return args


def _mb(path: Path) -> str:
    return f"{path.stat().st_size / report.MB:.1f} MB"


def describe_data(profile: data.Profile, files: dict[str, Path], large: Path | None) -> str:
    large_bam = f"large BAM {profile.large_reads:,} reads ({_mb(large)}), " if large else ""
    return (f"BAM {profile.reads:,} reads x {profile.read_length} bp over {len(profile.contigs)} contigs "
            f"({_mb(files['bam'])}), its CRAM ({_mb(files['cram'])}), VCF.gz {profile.vcf_records:,} records x "
            f"{len(profile.samples)} samples ({_mb(files['vcf'])}), its BCF ({_mb(files['bcf'])}); S3: small BAM "
            f"= that BAM, {large_bam}VCF.gz, CRAM (with the local reference) and BCF = those; "
            f"{profile.regions} random {data.REGION_LENGTH:,} bp regions")


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
        large = data.large_bam(pythons["ours"], profile) if "large" in args.objects else None
        results = {
            "started": started, "machine": host, "machine_line": machine.one_line(host),
            "options": {"rounds": args.rounds, "profile": profile.name, "cold_build": args.cold_build,
                        "local": args.local, "objects": args.objects, "shapings": args.shapings,
                        "s3_measurements": args.s3_measurements},
            "pysam": {flavour: machine.versions(python, work) for flavour, python in pythons.items()},
            "venvs": {flavour: str(python) for flavour, python in pythons.items()},
            "wheel": testenv.our_wheel(process.python_tag(pythons["ours"])).name,
            "data": {"profile": profile.name,
                     "files": {k: str(v) for k, v in {**files, "large": large}.items() if v},
                     "line": describe_data(profile, files, large)},
            "targets": report.targets(),
        }
        results["tasks"] = tasks.measure(pythons, files, args.rounds, work, args.timeout) if args.local else {}
        objs = [o for o in s3.objects(files, large) if o.label in args.objects]
        queries = s3.Queries(profile.region, profile.pileup_region, data.random_regions(profile))
        results["s3"] = s3.measure(pythons, objs, queries, args.shapings, args.s3_measurements, args.rounds,
                                   work, args.timeout)
        if args.local and not args.tiny:
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
