"""bench/repro.py: the stage times it reads from `make repro`'s output as it arrives."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def repro():
    """bench/repro.py as its script runs: bench/ on the path (its `machine` module)."""
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("bench_repro", ROOT / "bench/repro.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_repro"] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["bench_repro"]
        sys.path.remove(str(ROOT / "bench"))


def test_each_stage_lasts_until_the_next_one_starts_and_the_last_until_the_end(repro) -> None:
    events = [
        (0.0, "python3.11 -m venv .venv"),
        (40.0, "dvc repro"),
        (41.5, "Running stage 'samples':"),
        (42.0, "> python stages/samples.py --out data/samples"),
        (50.0, "Running stage 'convert@amass':"),
        (55.0, "Stage 'convert@bvh' didn't change, skipping"),
        (60.0, "Running stage 'pretrain@small':"),
        (300.0, "Running stage 'evaluate@small-sft':"),
    ]
    setup, stages = repro.stage_times(events, end_s=330.0)
    assert setup == 41.5  # the install and the cache check, until DVC's first stage
    assert stages == {
        "samples": 8.5,
        "convert@amass": 10.0,
        "pretrain@small": 240.0,
        "evaluate@small-sft": 30.0,
    }
    assert repro.group_times(stages) == {"data": 18.5, "training": 240.0, "evaluation": 30.0}


def test_no_stage_ran_gives_no_stage_times(repro) -> None:
    assert repro.stage_times([(0.0, "make: *** [setup] Error 1")], end_s=3.0) == (None, {})


def test_a_stage_of_no_known_part_is_counted_apart(repro) -> None:
    assert repro.group_times({"samples": 2.0, "publish@hub": 5.0}) == {
        "data": 2.0,
        "training": 0.0,
        "evaluation": 0.0,
        "other": 5.0,
    }
