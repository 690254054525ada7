"""core/device.py: torch's CPU thread count set for a block and given back; device names resolved."""

from __future__ import annotations

import pytest
import torch

from stickgen.core.device import cpu_threads, resolve_device


def test_a_block_runs_on_the_threads_asked_and_the_callers_count_comes_back_also_after_an_error() -> None:
    before = torch.get_num_threads()
    other = 1 if before != 1 else 2
    with cpu_threads(other):
        assert torch.get_num_threads() == other
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError, match="inside"), cpu_threads(other):
        raise RuntimeError("inside")
    assert torch.get_num_threads() == before
    with cpu_threads(0):  # 0 keeps the count
        assert torch.get_num_threads() == before


def test_device_names() -> None:
    assert resolve_device("cpu") == "cpu" and resolve_device("cuda:1") == "cuda:1"
    assert resolve_device("auto") in ("cpu", "cuda")
    with pytest.raises(ValueError, match="device must be auto, cpu, cuda, cuda:N or mps, got 'tpu'"):
        resolve_device("tpu")
