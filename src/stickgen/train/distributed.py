"""Data-parallel plumbing: `torchrun` sets WORLD_SIZE / RANK / LOCAL_RANK, and with WORLD_SIZE > 1 the
training loop runs under DDP (NCCL on GPUs, gloo on CPU). Rank 0 alone logs and writes files.

    torchrun --standalone --nproc-per-node=8 stages/train.py --phase pretrain ...
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as tdist


@dataclass(frozen=True)
class DistInfo:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    initialised_here: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def setup(env: dict[str, str] | None = None) -> DistInfo:
    """Join the process group when started by torchrun with WORLD_SIZE > 1; pick this process's device."""
    env = dict(os.environ) if env is None else env
    world = int(env.get("WORLD_SIZE", "1"))
    local = int(env.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available()
    device = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world <= 1:
        return DistInfo(0, 1, 0, device)
    if tdist.is_initialized():
        return DistInfo(tdist.get_rank(), tdist.get_world_size(), local, device)
    tdist.init_process_group(backend="nccl" if cuda else "gloo")
    return DistInfo(tdist.get_rank(), tdist.get_world_size(), local, device, initialised_here=True)


def teardown(info: DistInfo) -> None:
    if info.initialised_here and tdist.is_initialized():
        tdist.destroy_process_group()


def all_reduce_sum(x: torch.Tensor, info: DistInfo) -> torch.Tensor:
    """Sum over processes (in place; a no-op for one process)."""
    if info.enabled:
        tdist.all_reduce(x, op=tdist.ReduceOp.SUM)
    return x


def barrier(info: DistInfo) -> None:
    if info.enabled:
        tdist.barrier()
