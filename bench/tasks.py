"""The local tasks, measured in rounds: within a round every task runs once
with ours and once with stock, one fresh subprocess each, the order of the
two swapped every round so that neither always runs on a warmer machine."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from recipe import steps

from .proc import BenchError, scratch, script


@dataclasses.dataclass(frozen=True)
class Task:
    name: str
    what: str        # for the table
    args: tuple      # measure.py TASK ARGS; "{out}" becomes a file in the run's scratch dir


def tasks(files: dict[str, Path]) -> list[Task]:
    bam, cram, ref, vcf = (str(files[k]) for k in ("bam", "cram", "ref", "vcf"))
    return [
        Task("decode", "BAM decode in C: `pysam.view(\"-c\", bam)`", ("decode", bam)),
        Task("iterate", "Python iteration of the BAM: query_name, reference_start, cigarstring",
             ("iterate", bam)),
        Task("write", "BAM to BAM in C (`pysam.view(\"-b\", \"-o\", out, bam)`): BGZF compression",
             ("write", bam, "{out}")),
        Task("cram-decode", "every CRAM record decoded with the reference (AlignmentFile iteration)",
             ("cram-decode", cram, ref)),
        Task("vcf-iterate", "Python iteration of the VCF.gz: pos, alleles, first sample's GT",
             ("vcf-iterate", vcf)),
        Task("import", "`import pysam`: cumulative time of the top-level import in `-X importtime`",
             ("import",)),
    ]


def order(round_no: int) -> tuple[str, str]:
    return ("ours", "stock") if round_no % 2 == 0 else ("stock", "ours")


def warm_up(files: dict[str, Path]) -> None:
    """Read every input once, so that the first run does not pay for the disk."""
    for path in files.values():
        for f in path.parent.glob(path.name + "*"):
            with open(f, "rb") as stream:
                while stream.read(1 << 22):
                    pass


def measure(pythons: dict[str, Path], files: dict[str, Path], rounds: int, work: Path,
            timeout: float) -> dict[str, dict]:
    """task -> {"what", "ours": [seconds per round], "stock": [...], "runs": [raw reports]}."""
    warm_up(files)
    results = {t.name: {"what": t.what, "ours": [], "stock": [], "runs": []} for t in tasks(files)}
    for round_no in range(rounds):
        with steps.step(f"round {round_no + 1}/{rounds}: {', '.join(results)} ({' then '.join(order(round_no))})"):
            for task in tasks(files):
                for flavour in order(round_no):
                    cwd = scratch(work, f"{task.name}-{flavour}-")
                    args = [str(cwd / "out.bam") if a == "{out}" else a for a in task.args]
                    report = script(pythons[flavour], "measure.py", *args, cwd=cwd, timeout=timeout)
                    shutil.rmtree(cwd)
                    results[task.name][flavour].append(report["seconds"])
                    results[task.name]["runs"].append({"round": round_no, "flavour": flavour, **report})
    _check_same_work(results)
    return results


def _check_same_work(results: dict[str, dict]) -> None:
    """Ours and stock must have counted the same records, or the timings compare nothing."""
    for name, task in results.items():
        counts = {(run["flavour"], run.get("records")) for run in task["runs"]}
        if len({records for _, records in counts}) > 1:
            raise BenchError(f"{name}: ours and stock counted different records: {sorted(counts, key=str)}")
