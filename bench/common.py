"""What every benchmark reports alongside its figures: the machine, and a percentile."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def machine() -> str:
    return f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: a figure that was really measured, never interpolated."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def memory_gib() -> float:
    """The machine's RAM in GiB (MemTotal of /proc/meminfo), 0 where that is not available."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass  # not Linux
    return 0.0
