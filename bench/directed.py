"""Directed motion: time per generated second against length, and how smooth the windows' seams are.

    python bench/directed.py --checkpoint CKPT                         # 10, 20, 30, 60 s of one prompt
    python bench/directed.py --checkpoint CKPT --motions tl.json       # + seams of motions the CLI wrote

The timed call is `stickgen.generate.directed.generate_long` (the path `stickgen generate --seconds S`
takes beyond the model's window; within it the same code makes one window), after one warm-up, with the
sampler settings of params.yaml (`sampling.*`, `diffusion.*`, `inference.lock_feet`) and no safety check.
Seams: for every window after the first, the frame where its generated frames start (`meta.windows`:
start + kept); per frame the fastest joint's speed (m/s) and jerk (m/s^3, third difference), at the seam
(the step into that frame; jerk over the 3 steps around it) and in a zone of `fade_frames` frames after it,
against the same measures over the frames outside every zone ("inside").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from stickgen.core.config import load_params
from stickgen.generate import directed
from stickgen.generate.export import load_motion
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.inpaint import FADE_FRAMES
from stickgen.generate.settings import Checks, Runtime, SamplingSettings
from stickgen.model.diffusion import Sampling
from stickgen.wiring import generation


def seam_report(joints: np.ndarray, fps: float, seams: list[int], zone: int = FADE_FRAMES) -> dict:
    """Speed and jerk of the fastest joint at each seam frame and in the zone after it, against inside."""
    assert joints.ndim == 4 and joints.shape[-2:] == (22, 3), joints.shape
    speed = np.linalg.norm(np.diff(joints, axis=0), axis=-1).max(axis=(1, 2)) * fps  # (T-1,) step into t+1
    jerk = np.linalg.norm(np.diff(joints, n=3, axis=0), axis=-1).max(axis=(1, 2)) * fps**3  # (T-3,)
    near = np.zeros(len(speed), dtype=bool)
    for s in seams:
        near[max(0, s - 2) : s + zone] = True
    inside_speed, inside_jerk = speed[~near], jerk[~near[: len(jerk)]]

    def q(x: np.ndarray) -> dict:
        return {k: round(float(np.percentile(x, p)), 3) for k, p in (("p50", 50), ("p95", 95), ("p99", 99))}

    return {
        "seams": seams,
        "seam_speed_ms": [round(float(speed[s - 1]), 3) for s in seams],
        "seam_jerk_ms3": [round(float(jerk[max(0, s - 3) : s].max()), 1) for s in seams],
        "zone_max_speed_ms": [round(float(speed[s - 1 : s + zone].max()), 3) for s in seams],
        "inside_speed_ms": {**q(inside_speed), "max": round(float(inside_speed.max()), 3)},
        "inside_jerk_ms3": {**q(inside_jerk), "max": round(float(inside_jerk.max()), 1)},
    }


def seams_of(meta: dict) -> list[int]:
    return [w["start"] + w["kept"] for w in meta["windows"][1:]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--prompt", default="a person walks forward")
    ap.add_argument("--durations", type=float, nargs="+", default=[10.0, 20.0, 30.0, 60.0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--motions", type=Path, nargs="*", default=[], help="motion files to report seams of")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--out", type=Path, default=Path("bench/results/directed_cpu.json"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    p = load_params(args.params)
    d = p.diffusion
    gen = InferenceGenerator(
        args.checkpoint,
        SamplingSettings(
            generation(p),
            Sampling(steps=d.diffusion_steps) if d.use_diffusion else None,
            p.inference.lock_feet,
        ),
        Checks(safety=False),
        Runtime(device="cpu", fps=p.canonical.fps),
    )
    timing = []
    for seconds in args.durations:
        directed.generate_long(gen, args.prompt, seconds, seed=args.seed)  # warm-up
        runs = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            m = directed.generate_long(gen, args.prompt, seconds, seed=args.seed)
            runs.append(time.perf_counter() - t0)
        med = statistics.median(runs)
        timing.append(
            {
                "seconds": seconds,
                "windows": len(m.meta["windows"]),
                "median_s": round(med, 3),
                "min_s": round(min(runs), 3),
                "s_per_generated_s": round(med / seconds, 4),
                "seams": seam_report(m.joints, m.fps, seams_of(m.meta))
                if len(m.meta["windows"]) > 1
                else None,
            }
        )
        print(json.dumps(timing[-1]))
    motions = {}
    for path in args.motions:
        m = load_motion(path)
        motions[str(path)] = {"frames": m.frames, **seam_report(m.joints, m.fps, seams_of(m.meta))}
        print(path, json.dumps(motions[str(path)]))
    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "checkpoint": str(args.checkpoint),
        "prompt": args.prompt,
        "threads": args.threads,
        "load_average": os.getloadavg(),
        "generation": {
            "sampling": str(gen.generation),
            "refiner": str(gen.sampling),
            "lock_feet": gen.lock_feet,
        },
        "timing": timing,
        "motions": motions,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
