"""Inference latency: one 10-second animation (250 frames) per variant, sampled by the transformer (every
DDIM step of params `sampling.*` with guidance) with and without the diffusion refiner.

    python bench/inference.py                       # every variant of params.yaml, JSON to bench/results/
    python bench/inference.py --variants small --repeats 10 --out /tmp/latency.json

Each variant is built from params.yaml (`model.variants.<name>`, `sampling.*`, `diffusion.*`) with
`max_frames` raised to the benchmark length when needed; weights are random (latency does not depend on
their values), and the motion memory holds 1,500 random clips (`fill_random_memory`). The timed call is
`stickgen.generate.sample.generate_joints` with the feet locked as params `inference.lock_feet` says, in
bf16 where params `inference.bf16` asks and the device computes it natively (`bf16` in the JSON; the
transformer's figure in float32 beside it), the
code path of `InferenceGenerator.generate` after the prompt is embedded (the template's retrieval
included); the text encoder's latency for one prompt is reported separately.
Reported: median and min over `--repeats` timed runs after one warm-up run.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from stickgen.core.config import load_params
from stickgen.core.device import native_bf16
from stickgen.core.features import FEATURES_PER_ACTOR, STATE_FEATURES, FeatureStats
from stickgen.generate.sample import generate_joints
from stickgen.model.diffusion import Sampling
from stickgen.model.motion_model import StickFigureModel
from stickgen.wiring import generation, model_configs


def _time(fn, repeats: int) -> dict:
    fn()  # warm-up
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return {"median_s": round(statistics.median(runs), 4), "min_s": round(min(runs), 4), "runs": len(runs)}


MEMORY_CLIPS = 1_500  # about the embedded default's training set (1,494 clips)


def fill_random_memory(model: StickFigureModel, max_clips: int, frames: int) -> None:
    """A motion memory of `MEMORY_CLIPS` random clips (at most params `model.memory_clips`) a little longer
    than the benchmark's motion, so that choosing and building the template is timed with the rest."""
    n = min(MEMORY_CLIPS, max_clips)
    rng = np.random.default_rng(0)
    states = [rng.standard_normal((frames + 10, 1, STATE_FEATURES)).astype(np.float32) for _ in range(n)]
    keys = torch.from_numpy(rng.standard_normal((n, model.cfg.text_dim)).astype(np.float32))
    model.transformer.memory.fill(keys, states, [f"g{i}" for i in range(n)], np.zeros(2, np.float32))


def bench_variant(
    params, variant: str, frames: int, text_dim: int, steps: int, repeats: int, device: str
) -> dict:
    model_cfg, refiner_cfg = model_configs(params, variant, text_dim)
    max_frames = max(model_cfg.max_frames, frames)
    model_cfg = dataclasses.replace(model_cfg, max_frames=max_frames)
    refiner_cfg = dataclasses.replace(refiner_cfg, max_frames=max_frames)
    torch.manual_seed(0)
    model = StickFigureModel(model_cfg, refiner_cfg).to(device).eval()
    fill_random_memory(model, params.model.memory_clips, frames)
    stats = FeatureStats(np.zeros(FEATURES_PER_ACTOR, np.float32), np.ones(FEATURES_PER_ACTOR, np.float32))
    emb = torch.randn(1, text_dim, device=device)
    d = params.diffusion
    sampling = Sampling(steps=steps, guidance_scale=d.guidance_scale, start_strength=d.start_strength)
    gen = generation(params)

    def run(s, bf16: bool = params.inference.bf16):
        def go():
            generate_joints(
                model,
                stats,
                emb,
                [frames],
                [1],
                s,
                seed=0,
                fps=params.canonical.fps,
                lock_feet=params.inference.lock_feet,
                generation=gen,
                bf16=bf16,
            )
            if device.startswith("cuda"):
                torch.cuda.synchronize()

        return go

    return {
        "parameters": sum(p.numel() for p in model.parameters()),
        "sampling": dataclasses.asdict(gen),
        "bf16": params.inference.bf16 and native_bf16(torch.device(device)),
        "without_diffusion": _time(run(None), repeats),
        "without_diffusion_float32": _time(run(None, bf16=False), repeats),
        f"with_diffusion_{steps}_steps": _time(run(sampling), repeats),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--variants", nargs="+", default=None, help="default: every variant under model.variants")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument(
        "--frames", type=int, default=250, help="frames of the animation (the published figure: 250)"
    )
    ap.add_argument(
        "--steps", type=int, default=None, help="diffusion steps (default: params diffusion_steps)"
    )
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    ap.add_argument("--encoder", action="store_true", help="also time the params embed.model on one prompt")
    ap.add_argument("--out", type=Path, default=None, help="default: bench/results/inference_<device>.json")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    p = load_params(args.params)
    variants = args.variants or sorted(p.model.variants)
    steps = args.steps or p.diffusion.diffusion_steps
    text_dim = 384
    result = {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "what": f"one {args.seconds:g} s animation of {args.frames} frames, 1 actor, batch 1",
        "device": args.device,
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "load_average_1min_at_start": round(os.getloadavg()[0], 2),  # other work on the machine skews timings
        "gpu": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else None,
        "guidance_scale": p.diffusion.guidance_scale,
        "target": "small <= 0.2 s without the refiner (every sampling step included) on the 2-core CPU",
        "variants": {},
    }
    if args.encoder:
        from stickgen.core.text import embed_texts, encoder_info

        text_dim = encoder_info(p.embed.model).dim
        result["text_encoder"] = {
            "name": p.embed.model,
            "dim": text_dim,
            **_time(lambda: embed_texts(p.embed.model, ["a person waves"]), args.repeats),
        }
    for v in variants:
        result["variants"][v] = bench_variant(p, v, args.frames, text_dim, steps, args.repeats, args.device)
        print(v, json.dumps(result["variants"][v]))
    result["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    out = args.out or Path("bench/results") / f"inference_{args.device.split(':')[0]}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"-> {out}")


if __name__ == "__main__":
    main()
