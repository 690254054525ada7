"""The evaluation's pictures: GIF previews of the fixed prompt list and the training loss curves.

Previews are drawn by `stickgen.generate.render.save_gif`; the loss curves (train epoch loss and
validation loss against the step, from the phase's DVCLive folder) are a Vega-Lite chart rendered to
PNG offline with vl-convert, as `stickgen.ops.plots` does.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from stickgen.evaluate.prompts import PromptSpec
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.headcount import infer_num_actors
from stickgen.generate.motion import Motion
from stickgen.generate.render import RenderOptions, save_gif

PREVIEW_SIZE = 240  # pixels: small GIFs, a few large files in the cache


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "prompt"


def preview_name(index: int, text: str) -> str:
    """The file name of the preview of prompt `index` of the fixed list: `NN_<slug>.gif`."""
    return f"{index:02d}_{_slug(text)}.gif"


def find_previews(plots_dir: Path) -> list[tuple[Path, str]]:
    """(GIF, prompt) of each preview `write_previews` left in `plots_dir`, in the fixed list's order."""
    from stickgen.evaluate.prompts import preview_prompts

    found = [(Path(plots_dir) / preview_name(k, s.text), s.text) for k, s in enumerate(preview_prompts())]
    return [(path, text) for path, text in found if path.is_file()]


def write_previews(
    gen: InferenceGenerator, prompts: Sequence[PromptSpec], out_dir: Path, seed: int
) -> list[Path]:
    """One GIF per prompt (`NN_<slug>.gif`), generated with `seed`; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    options = RenderOptions(width=PREVIEW_SIZE, height=PREVIEW_SIZE)
    for k, spec in enumerate(prompts):
        text = gen.check_prompt(spec.text)
        frames = gen.frames_for(spec.duration_s or 3.0)
        actors = spec.actors or infer_num_actors(text, gen.max_actors)
        emb = torch.from_numpy(np.asarray(gen.encoder.encode([text]), dtype=np.float32)).to(gen.device)
        joints = gen.sample(emb, [frames], [actors], gen.sampling, seed + k, captions=[text])[0]
        if not np.isfinite(joints).all():  # the report's metrics say so; nothing to draw
            continue
        written.append(save_gif(Motion(joints, gen.fps, text), out_dir / preview_name(k, text), options))
    return written


def _tsv(path: Path, column: str) -> dict[int, float]:
    if not path.is_file():
        return {}
    with path.open() as fh:
        return {int(row["step"]): float(row[column]) for row in csv.DictReader(fh, delimiter="\t")}


def loss_curves(live_dir: Path) -> list[dict]:
    """Rows {step, series, loss} of a training phase's DVCLive folder, at each validation (epoch end):
    `val` is the validation loss, `train` the mean training loss of the generated motion over that epoch
    (`train/motion_loss`, the same quantity; `train/loss` adds the refiner's denoising loss)."""
    metrics = live_dir / "plots" / "metrics"
    val = _tsv(metrics / "val" / "loss.tsv", "loss")
    train = _tsv(metrics / "train" / "motion_loss.tsv", "motion_loss") or _tsv(
        metrics / "train" / "loss.tsv", "loss"
    )
    rows, prev = [], -1
    for step, v in sorted(val.items()):
        epoch = [x for s, x in train.items() if prev < s <= step]
        if epoch:
            rows.append({"step": step, "series": "train", "loss": float(np.mean(epoch))})
        rows.append({"step": step, "series": "val", "loss": v})
        prev = step
    return rows


def write_loss_curves(live_dir: Path, path: Path, title: str) -> Path | None:
    """The loss curves as a PNG (None when the DVCLive folder has none)."""
    import vl_convert as vlc

    rows = loss_curves(live_dir)
    if not rows:
        return None
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title,
        "width": 360,
        "height": 200,
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "step", "type": "quantitative"},
            "y": {"field": "loss", "type": "quantitative", "scale": {"zero": False}},
            "color": {"field": "series", "type": "nominal"},
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(vlc.vegalite_to_png(vl_spec=json.dumps(spec), scale=1.0))
    return path
