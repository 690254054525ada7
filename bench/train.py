"""Training throughput: samples/s and peak memory of one optimizer step per variant.

    python bench/train.py              # every variant of params.yaml on this machine, JSON to bench/results/
    python bench/train.py --variants small --batch-size 8 --steps 5 --out /tmp/train.json
    python bench/train.py --bf16 --compile                  # on a GPU: also tokens/s and MFU
    python bench/train.py --variants small --threads 1 --bf16 \
        --out bench/results/train_cpu_bf16.json             # a CPU with native bf16 (AMX / AVX512-BF16)
    python bench/train.py --bf16 --compile --variants medium --batch-size 1024 --dropout 0 --sdpa flash \
        --profile /tmp/prof.txt                             # one knob at a time, with a kernel table

Each variant is built from params.yaml (`model.variants.<name>`, `diffusion.*`) and trained on random
batches of `--frames` frames (1 actor in 2 slots, every sample full length) with the pipeline's own step:
`forward_train` (transformer + diffusion refiner) -> `loss_sums` -> backward -> clip -> AdamW. Weights and
data are random: speed does not depend on their values. Two warm-up steps, then `--steps` timed steps.
No clip is padded, so the networks run without a padding mask (`TrainBatch.dense`) unless `--masked`.

`cpu_s_per_step` is the process CPU time per step (all threads): on a shared, busy machine a steadier
figure than the wall time `step_s` (with `--threads 1` it approximates the wall time on an idle core).

Peak memory: on CPU the peak resident set of a fresh process per variant (`ru_maxrss`, so the model,
optimizer state, activations and the interpreter); on GPU `torch.cuda.max_memory_allocated`.
MFU (GPU only) = achieved model FLOPs / the device's peak dense bf16 FLOPs (`--peak-tflops`, 989 for the
H100 and H200 SXM); model FLOPs per frame: `model_flops_per_token`.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch
from machine import cpu_name

from stickgen.core.config import load_params
from stickgen.core.device import autocast, native_bf16
from stickgen.core.features import STATE_FEATURES
from stickgen.core.laterality import BOTH, RIGHT
from stickgen.embed.dataset import Batch
from stickgen.model.motion_model import StickFigureModel
from stickgen.model.spline import n_patches
from stickgen.train.data import TrainBatch
from stickgen.train.objective import forward_train, loss_sums
from stickgen.train.optim import build_optimizer
from stickgen.wiring import model_configs

TEXT_DIM = 384  # the embedded default's MiniLM; the full profile's BGE-large is 1024


def random_batch(
    batch_size: int, frames: int, max_actors: int, device: torch.device, masked: bool = False
) -> TrainBatch:
    """A batch as `collate_train` builds one: every sample `frames` long, one actor of `max_actors`, a
    side, a face on every frame and a template on every frame (the motion memory's, as in training)."""
    g = torch.Generator().manual_seed(0)
    feats = torch.randn(batch_size, frames, max_actors, STATE_FEATURES, generator=g)
    batch = Batch(
        features=feats,
        actor_mask=torch.arange(max_actors)[None, :].expand(batch_size, -1) < 1,
        lengths=torch.full((batch_size,), frames),
        text=torch.randn(batch_size, TEXT_DIM, generator=g),
        action=torch.randint(0, 20, (batch_size,), generator=g),
        actors=torch.ones(batch_size, dtype=torch.long),
        side=torch.randint(BOTH, RIGHT + 1, (batch_size,), generator=g),
        face_mask=torch.ones(batch_size, frames, max_actors, dtype=torch.bool),
    )
    return TrainBatch(
        batch,
        style=torch.zeros(batch_size, dtype=torch.long),
        keep_action=torch.ones(batch_size, dtype=torch.bool),
        drop_cond=torch.zeros(batch_size, dtype=torch.bool),
        level=torch.rand(batch_size, generator=g),
        noise=torch.randn(feats.shape, generator=g),
        template=torch.randn(feats.shape, generator=g),
        template_valid=torch.ones(batch_size, frames, dtype=torch.bool),
        dense=not masked,
    ).to(device)


SDPA_BACKENDS = ("flash", "mem_efficient", "cudnn", "math")
PER_SAMPLE = ("text_proj", "level_proj", "_emb")  # condition projections: once per sample, not per token


def model_flops_per_token(model: StickFigureModel, frames: int, with_refiner: bool = True) -> float:
    """Training FLOPs per frame (forward + backward) of the transformer and the refiner: 6 x the matmul
    parameters applied per token + 12 x layers x d_model x tokens (attention scores and values), where each
    network has one token per `patch_frames` frames."""
    total = 0.0
    nets = [(model.transformer, model.cfg)] + ([(model.refiner, model.refiner_cfg)] if with_refiner else [])
    for net, cfg in nets:
        per_token = [
            p for n, p in net.named_parameters() if p.dim() == 2 and not any(k in n for k in PER_SAMPLE)
        ]
        matmul = sum(p.numel() for p in per_token)
        tokens = n_patches(frames, cfg.patch_frames)
        total += (6 * matmul + 12 * cfg.n_layers * cfg.d_model * tokens) / cfg.patch_frames
    return total


def bench_one(variant: str, args: argparse.Namespace) -> dict:
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.sdpa != "default":  # the only attention kernel SDPA may pick
        for name in SDPA_BACKENDS:
            getattr(torch.backends.cuda, f"enable_{name}_sdp")(name == args.sdpa)
    p = load_params(args.params)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model_cfg, refiner_cfg = model_configs(p, variant, TEXT_DIM)
    if args.dropout is not None:
        model_cfg = dataclasses.replace(model_cfg, dropout=args.dropout)
        refiner_cfg = dataclasses.replace(refiner_cfg, dropout=args.dropout)
    if args.n_heads is not None:  # the same parameters, other head widths (d_model / n_heads)
        model_cfg = dataclasses.replace(model_cfg, n_heads=args.n_heads)
    if args.frames > model_cfg.max_frames:
        raise SystemExit(f"--frames {args.frames} > model.max_frames {model_cfg.max_frames}")
    torch.manual_seed(0)
    model = StickFigureModel(model_cfg, refiner_cfg).to(device).train()
    phase = p.train.pretrain
    opt = build_optimizer(model, phase)
    on_gpu = device.type == "cuda"
    compiled = args.compile and on_gpu
    net = torch.compile(model, mode=args.compile_mode) if compiled and not args.compile_loss else model
    tb = random_batch(args.batch_size, args.frames, model_cfg.max_actors, device, masked=args.masked)
    with_refiner = not args.no_refiner

    def forward_loss() -> torch.Tensor:
        with autocast(args.bf16, device):
            motion, x0 = forward_train(net, tb, with_refiner=with_refiner)
            loss = loss_sums(motion.float(), tb.batch).mean()
            if with_refiner:
                loss = loss + loss_sums(x0.float(), tb.batch).mean()
        return loss

    # --compile-loss: the model and the loss in one compiled graph (the loss's elementwise work fused)
    forward = (
        torch.compile(forward_loss, mode=args.compile_mode)
        if compiled and args.compile_loss
        else forward_loss
    )

    def step() -> None:
        loss = forward()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), phase.grad_clip)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if on_gpu:
            torch.cuda.synchronize()

    step()  # warm-up (and compilation)
    step()
    if on_gpu:
        torch.cuda.reset_peak_memory_stats()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        step()
    seconds = (time.perf_counter() - t0) / args.steps
    cpu_seconds = (time.process_time() - c0) / args.steps
    tokens_per_s = args.batch_size * args.frames / seconds
    out = {
        "parameters": sum(q.numel() for q in model.parameters()),
        "parameters_transformer": model.transformer.num_parameters(),
        "parameters_refiner": model.refiner.num_parameters(),
        "step_s": round(seconds, 4),
        "cpu_s_per_step": round(cpu_seconds, 4),
        "samples_per_s": round(args.batch_size / seconds, 2),
        "tokens_per_s": round(tokens_per_s, 1),
    }
    if on_gpu:
        out["peak_memory_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        flops = model_flops_per_token(model, args.frames, with_refiner)
        out["mfu"] = round(tokens_per_s * flops / (args.peak_tflops * 1e12), 4)
    else:
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if args.profile:
        profile_steps(step, args.profile.with_name(f"{args.profile.stem}_{variant}{args.profile.suffix}"))
    return out


def profile_steps(step, path: Path, steps: int = 3) -> None:
    """The kernels and operators of `steps` steps, by device time (CPU time without a GPU), to `path`."""
    from torch.profiler import ProfilerActivity, profile

    gpu = torch.cuda.is_available()
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if gpu else [])
    with profile(activities=activities) as prof:
        for _ in range(steps):
            step()
    key = "self_cuda_time_total" if gpu else "self_cpu_time_total"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(prof.key_averages().table(sort_by=key, row_limit=45, max_name_column_width=90) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--variants", nargs="*", default=None, help="default: small medium large")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--frames", type=int, default=120, help="frames per sample (the default crop_frames)")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast (a GPU; a CPU with AMX / AVX512-BF16)")
    ap.add_argument("--compile", action="store_true", help="torch.compile (GPU only)")
    ap.add_argument(
        "--compile-mode", default="default", help="torch.compile mode (reduce-overhead: CUDA graphs)"
    )
    ap.add_argument(
        "--peak-tflops", type=float, default=989.0, help="device peak dense bf16 TFLOPs (H100 SXM)"
    )
    ap.add_argument("--dropout", type=float, default=None, help="override the variants' dropout")
    ap.add_argument(
        "--compile-loss", action="store_true", help="compile the loss with the model (one graph; GPU)"
    )
    ap.add_argument("--n-heads", type=int, default=None, help="override the transformer's attention heads")
    ap.add_argument("--no-refiner", action="store_true", help="the transformer alone (no diffusion refiner)")
    ap.add_argument(
        "--masked", action="store_true", help="pass the padding mask although no clip is padded (slower)"
    )
    ap.add_argument(
        "--sdpa", default="default", choices=("default", *SDPA_BACKENDS), help="attention kernel (GPU)"
    )
    ap.add_argument("--profile", type=Path, default=None, help="write a kernel table to PATH_<variant>.txt")
    ap.add_argument("--out", type=Path, default=None, help="default: bench/results/train_<device>.json")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # internal: bench one variant, print JSON
    args = ap.parse_args()
    if args.one:
        print(json.dumps(bench_one(args.one, args)))
        return
    variants = args.variants or sorted(
        load_params(args.params).model.variants, key=["small", "medium", "large"].index
    )
    device = "cuda" if torch.cuda.is_available() else "cpu"
    results = {}
    for v in variants:  # a fresh process per variant (the same options): its peak memory is its own
        proc = subprocess.run(
            [sys.executable, __file__, *sys.argv[1:], "--one", v], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise SystemExit(f"bench {v} failed:\n{proc.stderr}")
        results[v] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{v:<7} {results[v]}")
    report = {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "device": torch.cuda.get_device_name() if device == "cuda" else cpu_name(),
        "cpu_count": os.cpu_count(),
        "torch_threads": args.threads or torch.get_num_threads(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "torch": torch.__version__,
        "batch_size": args.batch_size,
        "frames": args.frames,
        "bf16": args.bf16 and native_bf16(torch.device(device)),
        "compile": args.compile and device == "cuda",
        "compile_mode": args.compile_mode if args.compile and device == "cuda" else None,
        "dropout": args.dropout,
        "n_heads": args.n_heads,
        "compile_loss": args.compile_loss,
        "refiner": not args.no_refiner,
        "padding_mask": args.masked,
        "sdpa": args.sdpa,
        "step": "forward_train (transformer + refiner) + backward + clip + AdamW",
        "variants": results,
    }
    out = args.out or Path(__file__).parent / "results" / f"train_{device}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"-> {out}")


if __name__ == "__main__":
    main()
