"""The training objective: denoising. Both networks predict the clean motion from the real motion noised
to a random level (x0 prediction, as MDM), conditioned on text (hidden with probability
`diffusion.cond_dropout`: the unconditional branch of classifier-free guidance), optional action and
style, actor count and length.

The only motion input is the diffusion state; at level 1 it is pure noise, which is where generation
starts, so nothing lets a prediction see its own target. Loss = MSE on normalised features +
`VELOCITY_WEIGHT` x MSE of frame-to-frame differences, each feature weighted so that its error counts in
metres (`feature_weights`; the root's floor-plane steps too), over valid frames and real
actors, for the transformer's prediction and (weighted by `diffusion.loss_weight`) the refiner's, whose
extra condition is the transformer's detached prediction.

The face features (`stickgen.core.face.face_features`, after the motion's 66 in the state) count only in
frames whose face is known (synthetic clips; motion capture has none), each weighted `FACE_WEIGHT`, the
voice's `VOICE_WEIGHT`, the expression's `EXPRESSION_WEIGHT`; the refiner predicts the motion's 66 only.

Losses are kept as sums with element counts (`LossSums`) so that a global batch split across
gradient-accumulation steps or DDP processes gives exactly the loss of the whole batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from stickgen.core.face import FACE_FEATURES, FACE_SLICES
from stickgen.core.features import FEATURES_PER_ACTOR, ROOT_XZ, FeatureStats
from stickgen.embed.dataset import Batch
from stickgen.model.noise import add_noise
from stickgen.model.transformer import VOICE_FEATURES
from stickgen.train.data import TrainBatch

VELOCITY_WEIGHT = 1.0
# a root-relative feature's loss weight is its variance over the mean variance of all of them
# (`feature_weights`), never under this share of it
WEIGHT_FLOOR = 0.1
# a face feature's weight (the viseme and eye codes), against ~1 for a root-relative motion feature: a wrong
# viseme (two one-hot entries off by 2: 8 x 0.3) weighs about as much as one joint coordinate off by 1.5 of
# its spread. At 0.1 the embedded default's model learnt who is happy or sad but not who speaks: talk and
# shout stayed silent (speaking-frame F1 0.05-0.09)
FACE_WEIGHT = 0.3
# the voice's four scalars (mouth openness, speaking, the mouth's cycle rate and peak) weigh as a motion
# feature: at FACE_WEIGHT the model of format 7 left "a man shouts angrily" silent (the suite's shout 0.1,
# whisper 0.3); at 1.0, shout 0.6, whisper 0.8, talk 0.8 (docs/training.md, "The voice")
VOICE_WEIGHT = 1.0
# the expression code weighs three times a motion feature: at FACE_WEIGHT a 6-epoch pretraining left every
# cry neutral (expression accuracy 0.69), at 1.0 (model format 13) 0.79 (docs/training.md, "Faces learnt
# sooner"); the pretraining at batch 16 (half the steps) learnt it to 0.79 at 1.0 and 0.95 at 2.0 with the
# same motion metrics (docs/training.md, "Two threads, nothing under the floor"); with the root's path at
# ROOT_PATH_WEIGHT 2.0 gave 0.85 and 3.0 0.93 (docs/training.md, "Guidance that moves the pose, not the
# motion's amplitude")
EXPRESSION_WEIGHT = 3.0
# the root's floor-plane position (its path) against a root-relative feature's weight of about 1: at 1, a
# path error cost a 40th (x) and a 265th (z) of a joint error as large in metres (the path's spread is
# 0.85 m in x and 2.2 m in z, a joint feature's 0.135 m), and motions done on the spot drifted 0.12-0.13 m
# where their clips move 0.02-0.03 m; at 10 (a quarter and a 27th) half as far (docs/training.md, "In-place
# motions that wander" and "Guidance that moves the pose, not the motion's amplitude")
ROOT_PATH_WEIGHT = 10.0


@dataclass
class LossSums:
    """Summed squared errors and the number of elements they are over."""

    pos: torch.Tensor
    vel: torch.Tensor
    pos_n: float
    vel_n: float

    def mean(self) -> torch.Tensor:
        return self.pos / max(self.pos_n, 1.0) + VELOCITY_WEIGHT * self.vel / max(self.vel_n, 1.0)


def element_counts(lengths: torch.Tensor, actor_mask: torch.Tensor, features: int) -> tuple[float, float]:
    """(position elements, velocity elements) of a batch: what `loss_sums` divides by."""
    actors = actor_mask.sum(-1).double()
    pos = float((lengths.double() * actors).sum()) * features
    vel = float(((lengths.double() - 1).clamp(min=0) * actors).sum()) * features
    return pos, vel


def feature_weights(stats: FeatureStats) -> torch.Tensor:
    """(2, F) loss weights, of the positions (row 0) and of the frame-to-frame differences (row 1), that
    measure a root-relative joint's error in metres, not in its own spread.

    Normalised features put a spine coordinate that varies by 5 mm on the scale of a wrist that sweeps
    30 cm, so an unweighted loss spends itself on the spine and lets the hands and feet blur. A root-relative
    feature's weight is its variance over the mean variance of all of them (floored at `WEIGHT_FLOOR`):
    the squared error of the normalised feature becomes a squared error in metres. The root's own three
    features (its path, whose spread is the distance travelled) are not weighted in metres on their
    positions, where a path's small error grows with the distance walked: its height keeps weight 1, its
    floor-plane position `ROOT_PATH_WEIGHT`, enough that a figure on the spot stays there. The floor-plane
    steps between frames (row 1) count in metres like a joint's, so that a walk 10% fast costs what a hand
    off by as much does (at weight 1 the root's steps cost a few hundredth of that, and in-place motions
    drifted backwards: docs/training.md, "Steps in metres"). The face's features after them `FACE_WEIGHT`,
    its voice (`VOICE_FEATURES`) `VOICE_WEIGHT`, its expression code `EXPRESSION_WEIGHT`.
    """
    var = torch.as_tensor(stats.std, dtype=torch.float32).pow(2)
    joints = var[3:].mean()
    rel = var[3:] / joints
    face = torch.full((FACE_FEATURES,), FACE_WEIGHT)
    for name in VOICE_FEATURES:
        face[FACE_SLICES[name]] = VOICE_WEIGHT
    face[FACE_SLICES["expression"]] = EXPRESSION_WEIGHT
    pos = torch.cat([torch.ones(3), rel.clamp(min=WEIGHT_FLOOR), face])
    pos[list(ROOT_XZ)] = ROOT_PATH_WEIGHT
    steps = pos.clone()
    steps[list(ROOT_XZ)] = var[list(ROOT_XZ)] / joints
    return torch.stack([pos, steps])


def loss_sums(pred: torch.Tensor, batch: Batch, weight: torch.Tensor | None = None) -> LossSums:
    """Masked position and velocity squared errors of (B, T, A, F) predictions against the first F features
    of the batch (the state, or the motion's 66 for the refiner), each feature's weighted by `weight`
    (its first F entries; (2, F): positions, then differences, as `feature_weights`) when given; face
    features only where the face is known. The counts are those of the batch's whole state
    (`element_counts`), so every prediction is divided alike."""
    t, f = pred.shape[1], pred.shape[-1]
    target = batch.features[..., :f].to(pred.dtype)
    frame_ok = torch.arange(t, device=pred.device)[None, :] < batch.lengths[:, None]  # (B, T)
    m = (frame_ok[:, :, None] & batch.actor_mask[:, None, :]).to(pred.dtype)[..., None]  # (B, T, A, 1)
    if f > FEATURES_PER_ACTOR:
        face = batch.face_mask.to(pred.dtype)[..., None].expand(*m.shape[:3], f - FEATURES_PER_ACTOR)
        m = torch.cat([m.expand(*m.shape[:3], FEATURES_PER_ACTOR), m * face], dim=-1)
    w = torch.ones(2, f) if weight is None else weight[..., :f].expand(2, f)
    w = w.to(pred)
    pos = ((pred - target).pow(2) * w[0] * m).sum()
    mv = m[:, 1:] * m[:, :-1]
    dv = (pred[:, 1:] - pred[:, :-1]) - (target[:, 1:] - target[:, :-1])
    vel = (dv.pow(2) * w[1] * mv).sum()
    pos_n, vel_n = element_counts(batch.lengths, batch.actor_mask, batch.features.shape[-1])
    return LossSums(pos, vel, pos_n, vel_n)


def motion_loss(pred: torch.Tensor, batch: Batch) -> torch.Tensor:
    """Masked position + velocity MSE between generated and real normalised features."""
    return loss_sums(pred, batch).mean()


def forward_train(
    net: Callable, tb: TrainBatch, with_refiner: bool
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One training forward of a `StickFigureModel` (or its DDP / compiled wrapper `net`).

    Returns the transformer's and, if `with_refiner`, the refiner's x0 prediction from the real motion
    noised at the batch's levels. A dense batch (no padding) runs without a padding mask.
    """
    b = tb.batch
    return net(
        add_noise(b.features, tb.noise, tb.level),
        tb.level,
        b.text,
        None if tb.dense else b.lengths,
        actors=b.actors,
        action=tb.action,
        style=tb.style,
        drop_cond=tb.drop_cond,
        with_refiner=with_refiner,
        side=b.side,
        template=tb.template,
        template_valid=tb.template_valid,
    )
