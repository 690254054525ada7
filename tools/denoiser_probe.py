"""How much of an action the denoiser keeps when it is handed that action: a diagnostic for issue #14.

    python tools/denoiser_probe.py --checkpoint models/small/pretrain/model_checkpoint_best.pth \\
        --data data/embedded/pretrain.pt --action punch --levels 0,0.2,0.4,0.7

For up to `--clips` training clips of the action, noise each clip to every level t, let the transformer
predict the clean motion (conditional, no guidance; the clip's own caption, length, actors and side, and
the template training hands it: one of the memory's nearest clips of another take, warped onto the clip's
timing, `stickgen.train.data.TrainingSet.read_memory`; features normalised with the checkpoint's
statistics), and run the action's behaviour check
(`stickgen.evaluate.behaviour.CHECKS`) on the clip and on the prediction. At t = 0 the input is the clip
itself: a prediction that fails there has learnt to remove the action.
Prints one line per level; `--json` prints the table as JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from stickgen.core.features import FeatureStats, features_to_joints
from stickgen.embed.dataset import StickFigureDataset
from stickgen.evaluate.behaviour import CHECKS
from stickgen.model.diffusion import noise_like
from stickgen.model.motion_model import split_state
from stickgen.model.noise import add_noise
from stickgen.train import checkpoint as ck
from stickgen.train.data import TrainingSet


def _joints(features: torch.Tensor, actors: int, stats: FeatureStats) -> np.ndarray:
    """(1, T, A, STATE_FEATURES) model state -> the (T, actors, 22, 3) joints of the real actors."""
    motion = split_state(features)[0]
    return features_to_joints(stats.denormalise(motion[0].numpy()))[:, :actors]


def probe(
    checkpoint: Path, data: Path, action: str, levels: list[float], clips: int, seed: int
) -> list[dict]:
    if action not in CHECKS:
        raise SystemExit(f"--action {action!r}: no behaviour check; choose one of {sorted(CHECKS)}")
    state = ck.load_checkpoint(checkpoint)
    stats = FeatureStats.from_dict(state["feature_stats"])  # the model's own normalisation
    model = ck.model_from_checkpoint(state)
    ds = StickFigureDataset(data, stats, model.cfg.max_actors, None, seed, random_caption=False)
    rows = [i for i, a in enumerate(ds.store.data["actions"]) if a == action][:clips]
    if not rows:
        raise SystemExit(f"{data}: no clip of action {action!r}")
    check, fps = CHECKS[action], float(ds.store.data["fps"])
    reads = TrainingSet(ds, seed, model.cfg.n_styles, action_dropout=0.0, cond_dropout=0.0)
    reads.read_memory(model.transformer.memory, model.cfg.memory_top_k, dropout=0.0)
    items = [reads[i] for i in rows]
    clean = [it["features"][None, : model.cfg.max_frames] for it in items]  # (1, T, A, STATE) each
    clip_passed = [
        check(_joints(x0, it["actors"], stats), fps).passed for x0, it in zip(clean, items, strict=True)
    ]
    g = torch.Generator().manual_seed(seed)
    table = []
    for t in levels:
        level = torch.tensor([t])
        checks = []
        for x0, item in zip(clean, items, strict=True):
            a = item["actors"]
            with torch.no_grad():
                pred = model.transformer(
                    add_noise(x0, noise_like(x0, g), level),
                    level,
                    item["text"][None],
                    torch.tensor([x0.shape[1]]),
                    torch.tensor([a]),
                    side=torch.tensor([item["side"]]),
                    template=item["template"][None, : x0.shape[1]],
                    template_valid=item["template_valid"][None, : x0.shape[1]],
                )
            checks.append(check(_joints(pred, a, stats), fps))
        table.append(
            {
                "level": t,
                "clips": len(rows),
                "clip_pass_rate": float(np.mean(clip_passed)),
                "prediction_pass_rate": float(np.mean([c.passed for c in checks])),
                "prediction_measures_first_clip": checks[0].measures,
            }
        )
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=Path("data/embedded/pretrain.pt"))
    ap.add_argument("--action", required=True)
    ap.add_argument("--levels", default="0,0.2,0.4,0.7")
    ap.add_argument("--clips", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    levels = [float(x) for x in args.levels.split(",")]
    table = probe(args.checkpoint, args.data, args.action, levels, args.clips, args.seed)
    if args.json:
        print(json.dumps(table, indent=2))
        return
    for row in table:
        m = " ".join(f"{k} {v:.3g}" for k, v in row["prediction_measures_first_clip"].items())
        print(
            f"t={row['level']:.2f}: {args.action} check passes {row['prediction_pass_rate']:.2f} of the "
            f"predictions, {row['clip_pass_rate']:.2f} of the clips ({row['clips']}); first clip: {m}"
        )


if __name__ == "__main__":
    main()
