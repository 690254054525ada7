"""Torch device names: the one place `auto` is resolved."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

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
    """`auto` -> `cuda` when available, else `cpu`; `cpu`, `cuda`, `cuda:N` and `mps` as they are where this
    machine has them; another name a `ValueError` naming the choices, a device this machine lacks (no CUDA
    GPU, no N-th one, no MPS) a `ValueError` saying so, before anything is moved there."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    kind, colon, index = device.partition(":")
    if device not in ("cpu", "mps") and (kind != "cuda" or (colon and not index.isdigit())):
        raise ValueError(f"device must be {DEVICES}, got {device!r}")
    if device == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            "device 'mps' asked, but PyTorch has no MPS (Apple GPU) device here: use cpu or auto"
        )
    if kind == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            built = f"built with CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
            raise ValueError(
                f"device {device!r} asked, but PyTorch ({torch.__version__}, {built}) sees no CUDA GPU here: "
                "use cpu or auto"
            )
        if colon and int(index) >= count:
            raise ValueError(
                f"device {device!r} asked, but this machine has {count} CUDA GPU(s): cuda:0..{count - 1}"
            )
    return device


def native_bf16(device: torch.device) -> bool:
    """Whether `device` multiplies bfloat16 natively, so that bf16 autocast is faster than float32: a CUDA
    GPU, or a CPU with AMX tiles or AVX512-BF16 (oneDNN's bf16 kernels: Intel Sapphire Rapids and later, AMD
    Zen 4 and later). Elsewhere bf16 is emulated, slower than float32."""
    import torch

    if device.type == "cuda":
        return True
    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return device.type == "cpu" and any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def autocast(enabled: bool, device: torch.device):
    """bf16 autocast (params `train.<phase>.bf16`, `inference.bf16`) where `device` computes bf16 natively
    (`native_bf16`), else float32."""
    import torch

    if enabled and native_bf16(device):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
