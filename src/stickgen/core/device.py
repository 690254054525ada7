"""Torch device names: the one place `auto` is resolved."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

DEVICES = "auto, cpu, cuda, cuda:N or mps"


def set_cpu_threads(n: int) -> None:
    """params `train.cpu_threads` / `evaluate.cpu_threads`: torch's CPU threads for this process (0 keeps
    torch's default, one per core)."""
    if n > 0:
        import torch

        torch.set_num_threads(n)


@contextmanager
def cpu_threads(n: int) -> Iterator[None]:
    """torch's CPU threads set to `n` inside the block (0 keeps the count) and the caller's count restored
    after, also when the block raises."""
    import torch

    before = torch.get_num_threads()
    set_cpu_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def resolve_device(device: str) -> str:
    """`auto` -> `cuda` when available, else `cpu`; `cpu`, `cuda`, `cuda:N` and `mps` as they are; anything
    else a `ValueError` naming the choices."""
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "mps") and device.split(":")[0] != "cuda":
        raise ValueError(f"device must be {DEVICES}, got {device!r}")
    return device
