"""What the numbers were measured on: CPU, cores, memory, OS, and which
Python, pysam and htslib each venv holds."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from .proc import script


def _field(path: str, key: str, sep: str = ":") -> str:
    try:
        for line in Path(path).read_text().splitlines():
            name, _, value = line.partition(sep)
            if name.strip() == key:
                return value.strip().strip('"')
    except OSError:
        pass
    return "unknown"


def describe() -> dict:
    mem_kib = _field("/proc/meminfo", "MemTotal").split()[0]
    return {
        "cpu": _field("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem_kib) / 2**20, 1) if mem_kib.isdigit() else None,
        "os": _field("/etc/os-release", "PRETTY_NAME", "="),
        "kernel": platform.release(),
        "load_average_at_start": list(os.getloadavg()),
    }


def versions(python: Path, work: Path) -> dict:
    """Python, pysam, htslib and pysam's location in one venv."""
    return script(python, "measure.py", "about", cwd=work, timeout=120)


def one_line(machine: dict) -> str:
    return (f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, {machine['os']}, "
            f"load average at start {machine['load_average_at_start'][0]:.2f}")
