"""The machine a benchmark ran on, as bench/curate.py and bench/synthesize.py record it in their JSON
(platform, cores, Python, torch and numpy versions; each adds the load average it wants)."""

from __future__ import annotations

import os
import platform

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
