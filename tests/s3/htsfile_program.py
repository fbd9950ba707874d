"""htsfile_s3 (programs/htsfile_s3.c): a program doing what htsfile does, over
S3, linked against a libhts a test builds (with plugins, without S3, under the
sanitizers); and what pysam counts in the same file read locally, to compare."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pysam

SOURCE = Path(__file__).parent / "programs" / "htsfile_s3.c"


def run(executable: Path, env: dict[str, str], *args: str, timeout: float = 120) -> dict[str, str]:
    """The program's "name: value" lines, with its exit status as "status" and its stderr."""
    done = subprocess.run([str(executable), *args], env=env, capture_output=True, text=True, timeout=timeout)
    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    return {**lines, "status": str(done.returncode), "stderr": done.stderr}


def local_count(path: Path, region: str | None = None) -> str:
    """The records pysam reads in a local BAM (in region), as the program prints them."""
    with pysam.AlignmentFile(str(path)) as bam:
        return str(bam.count(region=region) if region else sum(1 for _ in bam.fetch(until_eof=True)))
