"""The machine a benchmark ran on, as bench/curate.py, bench/synthesize.py and bench/repro.py record it in
their JSON (platform, cores, Python, torch and numpy versions; each adds the load average it wants), and
the CPU's model name (bench/train.py, bench/repro.py)."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import numpy as np
import torch


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }


def cpu_name() -> str:
    """The CPU's model name (/proc/cpuinfo; elsewhere what `platform` knows)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()
