"""Benchmark: conversion speed of every converter, in native frames per second on one core.

Usage: `python bench/convert.py [--out bench/results/convert.json] [--takes 8] [--seconds 20]`.

For each registered dataset it writes sample files of that format (`stickgen.synthetic.samples`, synthetic
takes of `--seconds` each), then times `sources.driver.convert_dataset` inline (one process, torch on
one thread): reading, decoding, joints, resampling, windowing and validation. The figure is native
frames converted per second of wall time (best of `--repeats`). AMASS is measured twice: with the
built-in template and through `smplx` with (synthetic) SMPL-H / SMPL-X body-model files; the body-model
joint computation alone (`sources.bodymodel.smpl_family_joints`) is timed too. Results go to a JSON
file; this is never part of the test suite's pass/fail.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from stickgen.core.config import CanonicalConfig, ConvertConfig, Params, build
from stickgen.sources import known_datasets
from stickgen.sources.bodymodel import smpl_family_joints
from stickgen.sources.driver import convert_dataset
from stickgen.sources.writers.body_models import write_model
from stickgen.synthetic.samples import SAMPLE_FORMATS, write_samples

CANON = CanonicalConfig(fps=20.0, max_actors=2, window_s=10.0, stride_s=5.0)


def _params(takes: int, seconds: float) -> Params:
    import yaml

    raw = yaml.safe_load(Path("params.yaml").read_text())
    raw["samples"].update(takes_per_dataset=takes, min_s=seconds, max_s=seconds)
    return build(Params, raw, "")


def native_frames(report: dict) -> float:
    """Native frames behind a report: duration x native fps of its (single-rate) takes."""
    fps = report["native_fps"]
    return report["duration_s"] * fps[0] + report["takes"] if len(fps) == 1 else float("nan")


def time_conversion(name: str, raw: Path, convert_cfg: ConvertConfig, repeats: int) -> dict:
    best = float("inf")
    report: dict = {}
    for _ in range(repeats):
        start = time.perf_counter()
        _, report = convert_dataset(name, raw, CANON, convert_cfg)
        best = min(best, time.perf_counter() - start)
    frames = native_frames(report)
    return {
        "items": report["items"],
        "rejected": report["rejected"],
        "native_fps": report["native_fps"],
        "native_frames": int(round(frames)),
        "seconds": round(best, 4),
        "frames_per_s": round(frames / best),
    }


def time_body_model_joints(folder: Path, family: str, frames: int, repeats: int) -> dict:
    rng = np.random.default_rng(0)
    pose = rng.normal(0.0, 0.4, (frames, 22, 3))
    trans = rng.normal(0.0, 1.0, (frames, 3))
    betas = rng.normal(0.0, 1.0, 16)
    smpl_family_joints(pose[:2], trans[:2], betas, "male", (family,), str(folder))  # load the model once
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        smpl_family_joints(pose, trans, betas, "male", (family,), str(folder))
        best = min(best, time.perf_counter() - start)
    return {"frames": frames, "seconds": round(best, 4), "frames_per_s": round(frames / best)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("bench/results/convert.json"))
    ap.add_argument("--takes", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    params = _params(args.takes, args.seconds)
    inline = ConvertConfig(workers=1, max_reject_fraction=1.0)
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in known_datasets():
            if name not in SAMPLE_FORMATS:
                continue
            write_samples(
                name, root / name, params.samples, params.synthesize.chain_fraction, params.base.seed
            )
            results[name] = time_conversion(name, root / name, inline, args.repeats)
            print(f"{name:11s} {results[name]['frames_per_s']:>10,} frames/s", flush=True)
        models = root / "body_models"
        for family in ("smplh", "smplx"):
            for gender in ("male", "female", "neutral"):
                write_model(models, family, gender)
        with_models = replace(inline, body_models=str(models))
        results["amass (smplx body models)"] = time_conversion(
            "amass", root / "amass", with_models, args.repeats
        )
        print(f"amass+smplx {results['amass (smplx body models)']['frames_per_s']:>10,} frames/s")
        for family in ("smplh", "smplx"):
            key = f"{family} joints only (bodymodel.smpl_family_joints)"
            results[key] = time_body_model_joints(models, family, 20_000, args.repeats)
            print(f"{family} joints {results[key]['frames_per_s']:>10,} frames/s")
    out = {
        "what": "native frames converted per second, one process, torch on 1 thread, best of repeats",
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
        },
        "takes_per_dataset": args.takes,
        "take_seconds": args.seconds,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
