"""Shared fixtures (helpers live in tests/helpers.py), and how the suite shares out over several cores.

`make test` runs the suite in one process per core (pytest-xdist, `-n auto`). A worker builds the session
and module fixtures of the tests it gets, so tests that share a costly fixture are sent to one worker
(`worker_group`, the scheduler `pytest_xdist_make_scheduler` returns): every module that asks for the tiny DVC
pipeline (`tiny_run` or `pipeline_repo`, reproduced once a session: tests/integration/conftest.py) goes
together, tests/readiness (its pipeline runs once, in-process) goes together, and each other module is sent
whole. xdist's own `--dist loadgroup` would do this from markers, but xdist 3.8 writes the group into
`item._nodeid`, which pytest 9 no longer reads: the groups were silently ignored.
Each worker computes on one thread (torch, OpenMP, OpenBLAS and MKL, and the processes its tests start): two
workers of two spinning threads each on two cores spent half of the machine's time in the kernel.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, tiny_params_dict

os.environ.setdefault("HF_HUB_OFFLINE", "1")

if os.environ.get("PYTEST_XDIST_WORKER"):
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = "1"
    import threadpoolctl
    import torch

    threadpoolctl.threadpool_limits(1)
    torch.set_num_threads(1)

TINY_PIPELINE_FIXTURES = re.compile(r"\b(tiny_run|pipeline_repo)\b")


@functools.cache
def worker_group(module: str) -> str:
    """The group whose tests one worker runs, for a test module's path relative to the repository."""
    if Path(module).parts[:2] == ("tests", "readiness"):
        return "tests/readiness"
    source = ROOT / module
    if source.suffix == ".py" and TINY_PIPELINE_FIXTURES.search(source.read_text()):
        return "tiny-pipeline"
    return module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        """xdist's scheduling by module, the modules grouped by `worker_group`."""

        def _split_scope(self, nodeid: str) -> str:
            return worker_group(nodeid.split("::", 1)[0])

    return SharedFixtureScheduling(config, log)


@pytest.fixture
def tiny_params(tmp_path: Path) -> Path:
    """A params.yaml with tiny sizes (tiny model, few clips, 2 epochs), written into tmp_path."""
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(tiny_params_dict(), sort_keys=False))
    return path
