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
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    for bad in ("tpu", "cuda:x", "cuda:", "cpu:0", "gpu"):
        with pytest.raises(ValueError, match=f"device must be auto, cpu, cuda, cuda:N or mps, got '{bad}'"):
            resolve_device(bad)


def test_a_device_this_machine_lacks_is_refused_naming_it(monkeypatch) -> None:
    """Asked for a GPU it does not have, the generator says so in one line, before a model is moved there
    (it was torch's `AssertionError: Torch not compiled with CUDA enabled`, a traceback)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    for asked in ("cuda", "cuda:0"):
        with pytest.raises(ValueError, match=f"device '{asked}' asked, but PyTorch .* sees no CUDA GPU here"):
            resolve_device(asked)
    with pytest.raises(ValueError, match="device 'mps' asked, but PyTorch has no MPS"):
        resolve_device("mps")
    assert resolve_device("auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("cuda") == "cuda" and resolve_device("cuda:1") == "cuda:1"
    with pytest.raises(
        ValueError, match=r"device 'cuda:2' asked, but this machine has 2 CUDA GPU\(s\): cuda:0..1"
    ):
        resolve_device("cuda:2")
