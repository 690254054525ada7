"""Generate canonical joints from a model and conditions (shared by evaluation and inference)."""

from __future__ import annotations

import numpy as np
import torch

from stickgen.features import FeatureStats, features_to_joints
from stickgen.model.transformer import StickFigureTransformer


@torch.no_grad()
def generate_joints(
    model: StickFigureTransformer,
    stats: FeatureStats,
    text_emb: torch.Tensor,
    lengths: list[int],
    actors: list[int],
) -> list[np.ndarray]:
    """One motion per row of `text_emb` (B, D): a list of float32 (T_i, A_i, 22, 3) canonical joints."""
    model.eval()
    lens = torch.tensor(lengths)
    pred = model(text_emb.float(), lens, int(lens.max()), actors=torch.tensor(actors))  # (B, T, A, 66)
    feats = stats.denormalise(pred.cpu().numpy())
    return [
        features_to_joints(feats[k, :t, :a]).astype(np.float32)
        for k, (t, a) in enumerate(zip(lengths, actors, strict=True))
    ]
