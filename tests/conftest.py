"""Shared fixtures (helpers live in tests/helpers.py), and the groups the suite runs in on several cores.

`make test` runs the suite on every core (pytest-xdist, `-n auto --dist loadgroup`). A worker process builds
the session and module fixtures its tests need, so the tests that share a costly fixture run in one worker:
every test of the tiny DVC pipeline (`tiny_run`, reproduced once: tests/integration/conftest.py) in one group,
the readiness pipeline (tests/readiness, run once in-process) in another, and each other module in its own.
Each worker computes on one thread (torch, OpenMP, OpenBLAS and MKL, and the processes its tests start): two
workers of two spinning threads each on two cores spent half of the machine's time in the kernel and ran the
suite slower than one process did.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from helpers import tiny_params_dict

os.environ.setdefault("HF_HUB_OFFLINE", "1")

if os.environ.get("PYTEST_XDIST_WORKER"):
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = "1"
    import threadpoolctl
    import torch

    threadpoolctl.threadpool_limits(1)
    torch.set_num_threads(1)

TESTS = Path(__file__).parent


def xdist_group(item: pytest.Item) -> str:
    """The group a test runs in (module docstring): tests sharing a session fixture run in one worker."""
    if "tiny_run" in getattr(item, "fixturenames", ()):
        return "tiny-pipeline"
    rel = Path(item.path).relative_to(TESTS)
    return "readiness" if rel.parts[0] == "readiness" else rel.as_posix()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.xdist_group(xdist_group(item)))


@pytest.fixture
def tiny_params(tmp_path: Path) -> Path:
    """A params.yaml with tiny sizes (tiny model, few clips, 2 epochs), written into tmp_path."""
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(tiny_params_dict(), sort_keys=False))
    return path
