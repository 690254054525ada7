"""The training objective: masked regression of the generated motion onto the real one.

The model generates from conditions only (text, action, actor count, length), so the loss compares a
prediction that never saw the target. Loss = MSE on normalised features + `VELOCITY_WEIGHT` x MSE of
frame-to-frame differences, both over valid frames and real actors only.
"""

from __future__ import annotations

import torch

from stickgen.dataset import Batch
from stickgen.model.transformer import StickFigureTransformer

VELOCITY_WEIGHT = 1.0


def generate_features(
    model: StickFigureTransformer, batch: Batch, action: torch.Tensor | None = None
) -> torch.Tensor:
    """The model's motion for a batch's conditions: (B, T, A, 66) normalised features."""
    return model(
        batch.text, batch.lengths, batch.features.shape[1], actors=batch.actors,
        action=batch.action if action is None else action,
    )


def motion_loss(pred: torch.Tensor, batch: Batch) -> torch.Tensor:
    """Masked position + velocity MSE between generated and real normalised features."""
    t = pred.shape[1]
    frame_ok = torch.arange(t, device=pred.device)[None, :] < batch.lengths[:, None]  # (B, T)
    m = (frame_ok[:, :, None] & batch.actor_mask[:, None, :]).float()[..., None]  # (B, T, A, 1)
    err = (pred - batch.features).pow(2) * m
    pos = err.sum() / (m.sum() * pred.shape[-1]).clamp(min=1)
    mv = m[:, 1:] * m[:, :-1]
    dv = ((pred[:, 1:] - pred[:, :-1]) - (batch.features[:, 1:] - batch.features[:, :-1])).pow(2) * mv
    vel = dv.sum() / (mv.sum() * pred.shape[-1]).clamp(min=1)
    return pos + VELOCITY_WEIGHT * vel
